import { GraphQLDateTimeISO } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { BatchStatus } from '../../domain/batch';
import type { ContractTerm } from '../../domain/freight-dimensions';
import { DateScalar } from './date-scalar';
import { CONTAINER_TYPE_DESCRIPTION, ContractTermEnum } from './freight-dimensions';

const BATCH_STATUSES: Record<BatchStatus, BatchStatus> = {
  OPEN: 'OPEN',
  COMMITTED: 'COMMITTED',
  PROCESSING: 'PROCESSING',
  ACCEPTED: 'ACCEPTED',
  REJECTED: 'REJECTED',
  RETRACTED: 'RETRACTED',
  ABORTED: 'ABORTED',
  EXPIRED: 'EXPIRED',
};

registerEnumType(BATCH_STATUSES, {
  name: 'BatchStatus',
  valuesConfig: {
    OPEN: { description: 'A chunked batch taking chunks (appendBatchItems) until commitBatch.' },
    COMMITTED: { description: 'Complete and waiting for a worker.' },
    PROCESSING: { description: 'A worker is checking and writing it; see processedCount.' },
    ACCEPTED: { description: 'Its valid prices are durable and count in analytics once replicated.' },
    REJECTED: {
      description: 'Nothing counts: no item was valid, or (without skipInvalid) a chunked batch had an invalid item.',
    },
    RETRACTED: {
      description:
        'Its prices stop counting once the retraction is replicated; an admin can restore it (restoreBatch).',
    },
    ABORTED: { description: 'An open batch ended by abortBatch; its chunks are gone.' },
    EXPIRED: { description: 'An open batch not committed before openUntil; its chunks are gone.' },
  },
});

@ObjectType('BatchItemError', { description: 'Why one item of a batch was refused.', simpleResolvers: true })
class BatchItemErrorType {
  @Field(() => Int, { description: 'Position of the item in the submitted list, from 0.' })
  index!: number;

  @Field(() => String, { description: 'The item field at fault.' })
  field!: string;

  @Field(() => String, {
    description: 'BAD_USER_INPUT, UNKNOWN_LOCATION, UNSUPPORTED_CURRENCY or RATE_UNAVAILABLE.',
  })
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => Int, {
    nullable: true,
    description:
      'The line of the rate sheet (POST /batches) the item came from, from 1; null for items sent as GraphQL.',
  })
  line?: number;
}

@ObjectType('Batch', { description: 'A set of prices submitted together.', simpleResolvers: true })
export class BatchType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The name of the API key that submitted it; null for a batch of no supplier (the reference dataset, ' +
      'and batches recorded before batches had owners).',
  })
  owner!: string | null;

  @Field(() => String, { description: 'Unique per owner: another supplier’s batch may have the same key.' })
  idempotencyKey!: string;

  @Field(() => BATCH_STATUSES)
  status!: BatchStatus;

  @Field(() => Boolean)
  skipInvalid!: boolean;

  @Field(() => Int, { description: 'Items submitted (for a chunked batch: in the chunks appended so far).' })
  itemCount!: number;

  @Field(() => Int, { description: 'Chunks appended; 0 for a batch submitted in one request.' })
  chunkCount!: number;

  @Field(() => Int, { description: 'Items checked so far; equals itemCount once the batch is settled.' })
  processedCount!: number;

  @Field(() => Int, { description: 'Items written as prices (0 once REJECTED).' })
  acceptedCount!: number;

  @Field(() => Int, { description: 'Items checked that do not count.' })
  rejectedCount!: number;

  @Field(() => [BatchItemErrorType], {
    description: 'One entry per refused item field: the first 1,000 (errorCount counts them all).',
  })
  errors!: BatchItemErrorType[];

  @Field(() => Int, { description: 'Every refused item field, including those past the first 1,000.' })
  errorCount!: number;

  @Field(() => GraphQLDateTimeISO, {
    description: 'When the batch was recorded durably (acknowledged), or opened for chunks.',
  })
  createdAt!: Date;

  @Field(() => GraphQLDateTimeISO, {
    nullable: true,
    description: 'An OPEN batch expires (its chunks are dropped) unless committed by then; null otherwise.',
  })
  openUntil!: Date | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true })
  retractedAt!: Date | null;

  @Field(() => GraphQLDateTimeISO, {
    nullable: true,
    description:
      'When analytics caught up with this batch: its prices count (or, once retracted, no longer count). ' +
      'Null until then.',
  })
  replicatedAt!: Date | null;
}

@ObjectType('PageInfo', { simpleResolvers: true })
class PageInfoType {
  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;
}

@ObjectType('BatchConnection', { description: 'A page of batches, newest first.', simpleResolvers: true })
export class BatchConnectionType {
  @Field(() => [BatchType])
  nodes!: BatchType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}

@ObjectType('ReplicationStatus', {
  description: 'How far analytics trail the operational store.',
  simpleResolvers: true,
})
export class ReplicationStatusType {
  @Field(() => Float, { description: 'Age of the oldest change not yet in analytics, in ms; 0 when caught up.' })
  lagMs!: number;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: 'When the replicator last applied changes.' })
  lastAppliedAt!: Date | null;

  @Field(() => Int, { description: 'Batch commits and retractions not yet applied to analytics.' })
  pendingChanges!: number;
}

@InputType('PriceItemInput', { description: 'One price of one container on one lane for one day.' })
export class PriceItemInputType {
  @Field(() => String, { description: 'Origin port code.' })
  originCode!: string;

  @Field(() => String, { description: 'Destination port code.' })
  destinationCode!: string;

  @Field(() => DateScalar)
  day!: string;

  @Field(() => Float, {
    description: 'Amount in `currency`, with at most its minor unit’s decimals (2 for most, 0 for JPY).',
  })
  price!: number;

  @Field(() => String, {
    defaultValue: 'USD',
    description: 'ISO 4217 code (see the currencies query); stored in USD at the rate of the item’s day.',
  })
  currency!: string;

  @Field(() => String, { nullable: true, description: `${CONTAINER_TYPE_DESCRIPTION} Null: unspecified.` })
  containerType?: string | null;

  @Field(() => ContractTermEnum, {
    nullable: true,
    description: 'The term the price was agreed for. Null: unspecified (a single day implies no term).',
  })
  contractTerm?: ContractTerm | null;
}

@InputType('SubmitPriceBatchInput')
export class SubmitPriceBatchInputType {
  @Field(() => [PriceItemInputType], { description: 'At most MAX_BATCH_ITEMS (default 100,000) items.' })
  items!: PriceItemInputType[];

  @Field(() => String, {
    description: 'Chosen by the client; resubmitting with the same key returns the first batch and writes nothing.',
  })
  idempotencyKey!: string;

  @Field(() => Boolean, {
    defaultValue: false,
    description: 'Write the valid items and list the others in `errors`, instead of refusing the whole batch.',
  })
  skipInvalid!: boolean;
}

@InputType('CreateBatchInput', { description: 'Opens a chunked batch; its items arrive with appendBatchItems.' })
export class CreateBatchInputType {
  @Field(() => String, {
    description: 'Chosen by the client; creating again with the same key returns the same batch.',
  })
  idempotencyKey!: string;

  @Field(() => Boolean, {
    defaultValue: false,
    description: 'Write the valid items and list the others in `errors`, instead of rejecting the whole batch.',
  })
  skipInvalid!: boolean;
}

@InputType('UploadPriceInput', { description: 'One price that holds for every day from dateFrom to dateTo.' })
export class UploadPriceInputType {
  @Field(() => String)
  originCode!: string;

  @Field(() => String)
  destinationCode!: string;

  @Field(() => DateScalar, { description: 'First day, included.' })
  dateFrom!: string;

  @Field(() => DateScalar, { description: 'Last day, included.' })
  dateTo!: string;

  @Field(() => Float, { description: 'Amount in `currency`.' })
  price!: number;

  @Field(() => String, {
    defaultValue: 'USD',
    description: 'ISO 4217 code; each day’s price is stored in USD at that day’s rate.',
  })
  currency!: string;

  @Field(() => String, { nullable: true, description: `${CONTAINER_TYPE_DESCRIPTION} Null: unspecified.` })
  containerType?: string | null;

  @Field(() => ContractTermEnum, {
    nullable: true,
    description:
      'The term the price was agreed for; it wins over the range. Null: the term the range’s validity implies ' +
      '(SHORT_TERM up to 31 days, LONG_TERM from 88 days, unspecified in between).',
  })
  contractTerm?: ContractTerm | null;

  @Field(() => String, {
    description: 'Required: the same key on a retry returns the first upload’s batch instead of writing it again.',
  })
  idempotencyKey!: string;
}
