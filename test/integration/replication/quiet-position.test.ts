/**
 * A feed whose history runs out (MongoDB's oplog) offers a quiet position: past events that were no
 * change, such as the post-batch resume token of a change stream whose `$match` let nothing through.
 * The replicator stores it while idle, so that a restart after a quiet spell resumes there rather than
 * at the last change's token, which may have left the oplog. SQLite's feed has no such events, so the
 * feed here passes over the changes of one batch, as a `$match` would, and offers the position after it.
 */
import { IngestService } from '../../../src/ingest';
import type { BatchChange, ChangeFeed, ChangeFeedReader, OperationalStore } from '../../../src/stores/operational';
import type { AnalyticsStore } from '../../../src/stores/analytics';
import { closeEmbeddedStores, openEmbeddedStores, type EmbeddedStores } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { FAST_REPLICATOR_OPTIONS, newReplicator } from '../../helpers/replication';
import { TEST_SUPPLIER } from '../../helpers/batch-actors';

let stores: EmbeddedStores;
let operational: OperationalStore;
let analytics: AnalyticsStore;
let ingest: IngestService;

beforeEach(async () => {
  stores = await openEmbeddedStores();
  ({ operational, analytics, ingest } = stores);
});
afterEach(() => closeEmbeddedStores(stores));

let keys = 0;
const submit = (price: number) =>
  ingest.submitPriceBatch(TEST_SUPPLIER, {
    items: [{ originCode: 'CNSGH', destinationCode: 'NLRTM', day: '2016-01-10', price, currency: 'USD' }],
    idempotencyKey: `quiet-${++keys}`,
    skipInvalid: false,
  });

/** The store's feed, passing over the change at position `hidden` and offering the position after it. */
function feedPassingOver(feed: ChangeFeed, hidden: string): ChangeFeed {
  return {
    backlog: (after) => feed.backlog(after),
    async follow(from) {
      const reader = await feed.follow(from);
      let quiet: string | undefined;
      const passing: ChangeFeedReader = {
        async next(max, waitMs) {
          const changes = await reader.next(max, waitMs);
          const kept: BatchChange[] = [];
          for (const change of changes) {
            if (change.position === hidden) quiet = change.position;
            else {
              kept.push(change);
              quiet = undefined;
            }
          }
          return kept;
        },
        quietPosition: () => quiet,
        close: () => reader.close(),
      };
      return passing;
    },
  };
}

it('stores a quiet feed’s position while idle, keeping the time of the last change applied', async () => {
  const applied = await submit(100);
  // SQLite's positions are its change log's sequence numbers: the second commit is at '2'.
  const replicator = newReplicator(
    { ...operational, changeFeed: feedPassingOver(operational.changeFeed, '2') },
    analytics.replica,
    FAST_REPLICATOR_OPTIONS,
  );
  replicator.start();
  try {
    const first = await eventually(
      () => analytics.replica.replicationCheckpoint(),
      (checkpoint) => checkpoint?.position === '1',
      { what: 'the checkpoint after the first batch', timeoutMs: 20_000, intervalMs: 50 },
    );
    expect((await operational.batches.byIds([applied.id]))[0]?.replicatedAt).toBeInstanceOf(Date);
    // A change the feed passes over, as a change stream's $match would: nothing to apply, a place to keep.
    const passedOver = await submit(200);
    const quiet = await eventually(
      () => analytics.replica.replicationCheckpoint(),
      (checkpoint) => checkpoint?.position === '2',
      { what: 'the quiet position stored', timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(quiet?.appliedAt).toEqual(first?.appliedAt);
    expect(quiet!.version).toBeGreaterThan(first!.version);
    expect((await operational.batches.byIds([passedOver.id]))[0]?.replicatedAt).toBeNull();
  } finally {
    await replicator.stop();
  }
});
