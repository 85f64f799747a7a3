import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { requireRole } from '../../auth';
import type { Batch } from '../../domain/batch';
import { DEFAULT_BATCH_PAGE_SIZE, MAX_CHUNK_INDEX } from '../../ingest';
import type { ReplicationStatus } from '../../replication';
import type { RequestContext } from '../context';
import { LIST_COMPLEXITY } from '../limits';
import {
  BatchConnectionType,
  BatchType,
  CreateBatchInputType,
  PriceItemInputType,
  ReplicationStatusType,
  SubmitPriceBatchInputType,
  UploadPriceInputType,
} from '../types/batch-types';

@Resolver(() => BatchType)
export class BatchResolver {
  @Authorized('ingest', 'admin')
  @Query(() => BatchType, {
    nullable: true,
    description:
      'One batch by id; null when none has it, or when it is not the caller’s (an ingest key sees only the ' +
      'batches it submitted, an admin key every batch).',
  })
  batch(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Batch | undefined> {
    return ctx.batches.batch(id);
  }

  @Authorized('ingest', 'admin')
  @Query(() => BatchConnectionType, {
    description: 'The caller’s batches (an admin’s: every batch), newest first.',
    complexity: LIST_COMPLEXITY,
  })
  async batches(
    @Arg('first', () => Int, { defaultValue: DEFAULT_BATCH_PAGE_SIZE, description: 'Page size, 1 to 100.' })
    first: number,
    @Arg('after', () => String, { nullable: true, description: 'endCursor of the previous page.' })
    after: string | null,
    @Ctx() ctx: RequestContext,
  ): Promise<{ nodes: readonly Batch[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } }> {
    const page = await ctx.batches.batches(first, after);
    return { nodes: page.batches, pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage } };
  }

  @Authorized('read', 'ingest', 'admin')
  @Query(() => ReplicationStatusType, { description: 'How far analytics trail the operational store.' })
  replication(@Ctx() ctx: RequestContext): Promise<ReplicationStatus> {
    return ctx.replication.status();
  }

  @Authorized('ingest')
  @Mutation(() => BatchType, {
    description:
      'Records a batch of prices durably before answering. One invalid item refuses the whole batch (every ' +
      'invalid item is listed in extensions.itemErrors) unless skipInvalid is set.',
  })
  submitPriceBatch(
    @Arg('input', () => SubmitPriceBatchInputType) input: SubmitPriceBatchInputType,
    @Ctx() ctx: RequestContext,
  ): Promise<Batch> {
    return ctx.ingest.submitPriceBatch(ctx.batchActor, input);
  }

  @Authorized('ingest')
  @Mutation(() => BatchType, { description: 'One price for every day of a range, recorded as one batch.' })
  uploadPrice(
    @Arg('input', () => UploadPriceInputType) input: UploadPriceInputType,
    @Ctx() ctx: RequestContext,
  ): Promise<Batch> {
    return ctx.ingest.uploadPrice(ctx.batchActor, input);
  }

  @Authorized('ingest', 'admin')
  @Mutation(() => BatchType, {
    description:
      'Stops a settled batch (ACCEPTED or REJECTED) counting everywhere; retracting twice changes nothing. ' +
      'BATCH_NOT_SETTLED while a batch is still open or in a worker’s hands. An ingest key retracts only its ' +
      'own batches (any other is NOT_FOUND); an admin key any batch, the reference dataset’s included.',
  })
  retractBatch(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Batch> {
    return ctx.ingest.retractBatch(ctx.batchActor, id);
  }

  @Authorized('admin')
  @Mutation(() => BatchType, {
    description:
      'Undoes a retraction (admin keys only): a RETRACTED batch is ACCEPTED again (REJECTED if it was) and its ' +
      'prices count again once replicated (replicatedAt is null until then). Restoring again answers the batch ' +
      'as it is; BATCH_NOT_SETTLED for a batch still open or in a worker’s hands; BATCH_PRICES_PRUNED once ' +
      'retention has removed its prices from the operational store.',
  })
  restoreBatch(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Batch> {
    return ctx.ingest.restoreBatch(ctx.batchActor, id);
  }

  @Authorized('ingest')
  @Mutation(() => BatchType, {
    description:
      'Opens a chunked batch (status OPEN) for batches too large for one request: append its items in ' +
      'chunks with appendBatchItems, then commitBatch. It expires unless committed before openUntil.',
  })
  createBatch(
    @Arg('input', () => CreateBatchInputType) input: CreateBatchInputType,
    @Ctx() ctx: RequestContext,
  ): Promise<Batch> {
    return ctx.ingest.createBatch(ctx.batchActor, input);
  }

  @Authorized('ingest', 'admin')
  @Mutation(() => BatchType, {
    description:
      'Adds one chunk (at most MAX_BATCH_ITEMS items, default 100,000) to an OPEN batch. Chunks are numbered ' +
      'from 0 without gaps and may arrive in any order, in parallel; sending a chunk again with the same ' +
      'items changes nothing (CHUNK_CONFLICT with other items). Items are checked by the worker after commit.',
  })
  appendBatchItems(
    @Arg('batchId', () => ID) batchId: string,
    @Arg('chunkIndex', () => Int, { description: `0 to ${MAX_CHUNK_INDEX}.` }) chunkIndex: number,
    @Arg('items', () => [PriceItemInputType]) items: PriceItemInputType[],
    @Ctx() ctx: RequestContext,
  ): Promise<Batch> {
    return ctx.ingest.appendBatchItems(ctx.batchActor, batchId, chunkIndex, items);
  }

  @Authorized('ingest', 'admin')
  @Mutation(() => BatchType, {
    description:
      'Closes an OPEN batch to new chunks and answers at once (COMMITTED); a worker then checks and writes ' +
      'it (PROCESSING) and settles it (ACCEPTED or REJECTED). Follow it with batchProgress or batch(id). ' +
      'Committing again answers the batch as it is; BATCH_INCOMPLETE lists missing chunks.',
  })
  commitBatch(@Arg('batchId', () => ID) batchId: string, @Ctx() ctx: RequestContext): Promise<Batch> {
    return ctx.ingest.commitBatch(ctx.batchActor, batchId);
  }

  @Authorized('ingest', 'admin')
  @Mutation(() => BatchType, {
    description: 'Ends an OPEN batch (ABORTED) and drops its chunks; aborting again answers the aborted batch.',
  })
  abortBatch(@Arg('batchId', () => ID) batchId: string, @Ctx() ctx: RequestContext): Promise<Batch> {
    return ctx.ingest.abortBatch(ctx.batchActor, batchId);
  }

  @Authorized('ingest', 'admin')
  @Subscription(() => BatchType, {
    description:
      'The batch now, then every change of its status or counts, ending once it is settled (ACCEPTED, ' +
      'REJECTED, RETRACTED, ABORTED or EXPIRED). Over graphql-ws at the /graphql path. NOT_FOUND for a batch ' +
      'that is not the caller’s, as for batch(id).',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { id: string }, RequestContext>) => {
      // Checked here as well: type-graphql's @Authorized guards the resolve step, which a
      // subscription reaches only after it has started.
      requireRole(context.principal, ['ingest', 'admin'], 'Subscription.batchProgress');
      return await context.ingest.watchBatch(context.batchActor, args.id);
    },
  })
  batchProgress(@Arg('id', () => ID) _id: string, @Root() batch: Batch): Batch {
    return batch;
  }
}
