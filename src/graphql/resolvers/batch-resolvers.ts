import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Batch } from '../../domain/batch';
import { DEFAULT_BATCH_PAGE_SIZE } from '../../ingest';
import type { ReplicationStatus } from '../../replication';
import type { RequestContext } from '../context';
import { LIST_COMPLEXITY } from '../limits';
import {
  BatchConnectionType,
  BatchType,
  ReplicationStatusType,
  SubmitPriceBatchInputType,
  UploadPriceInputType,
} from '../types/batch-types';

@Resolver(() => BatchType)
export class BatchResolver {
  @Authorized('read', 'ingest')
  @Query(() => BatchType, { nullable: true, description: 'One batch by id; null when none has it.' })
  batch(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Batch | undefined> {
    return ctx.batches.batch(id);
  }

  @Authorized('read', 'ingest')
  @Query(() => BatchConnectionType, { description: 'Batches, newest first.', complexity: LIST_COMPLEXITY })
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

  @Authorized('read', 'ingest')
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
    return ctx.ingest.submitPriceBatch(input);
  }

  @Authorized('ingest')
  @Mutation(() => BatchType, { description: 'One price for every day of a range, recorded as one batch.' })
  uploadPrice(
    @Arg('input', () => UploadPriceInputType) input: UploadPriceInputType,
    @Ctx() ctx: RequestContext,
  ): Promise<Batch> {
    return ctx.ingest.uploadPrice(input);
  }

  @Authorized('ingest')
  @Mutation(() => BatchType, { description: 'Stops a batch counting everywhere; retracting twice changes nothing.' })
  retractBatch(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Batch> {
    return ctx.ingest.retractBatch(id);
  }
}
