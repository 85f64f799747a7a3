/**
 * Analytics that fail for a while and then recover: the real chDB store, wrapped so that its writes
 * fail (before reaching ClickHouse, after ClickHouse applied them, or when the checkpoint is saved).
 * The replicator retries with backoff and catches up, and the replica then equals the operational
 * store lane by lane and day by day: nothing lost, nothing counted twice.
 */
import { parseDay } from '../../../src/domain/day';
import { StoreUnavailableError } from '../../../src/domain/errors';
import { IngestService } from '../../../src/ingest';
import type {
  AnalyticsReplica,
  AnalyticsStore,
  ReplicatedChanges,
  ReplicationCheckpoint,
} from '../../../src/stores/analytics';
import type { OperationalStore } from '../../../src/stores/operational';
import { captureLog, closeEmbeddedStores, openEmbeddedStores, type EmbeddedStores } from '../../helpers/components';
import { operationalLaneDayTotals, type LaneDayTotal } from '../../helpers/lane-day-totals';
import { FAST_REPLICATOR_OPTIONS, newReplicator } from '../../helpers/replication';
import { TEST_SUPPLIER } from '../../helpers/batch-actors';

let dataDir: string;
let operational: OperationalStore;
let analytics: AnalyticsStore;
let ingest: IngestService;

let stores: EmbeddedStores;

beforeEach(async () => {
  stores = await openEmbeddedStores();
  ({ dataDir, operational, analytics, ingest } = stores);
});
afterEach(() => closeEmbeddedStores(stores));

type FailureMode = 'before-insert' | 'after-insert' | 'checkpoint';

/**
 * The real store's replica, failing its first `failures` writes in the given way, then behaving. `after-insert`
 * lets ClickHouse apply the changes, or record a batch state, and then reports failure, as a timeout after
 * the server committed would; `checkpoint` fails storing the position after the changes were applied.
 */
class FlakyAnalytics {
  failed = 0;
  constructor(
    private readonly real: AnalyticsReplica,
    private readonly mode: FailureMode,
    private readonly failures: number,
  ) {}

  private failNow(): boolean {
    if (this.failed >= this.failures) return false;
    this.failed++;
    return true;
  }

  private outage(operation: string): StoreUnavailableError {
    return new StoreUnavailableError('analytics', operation, new Error(`simulated outage ${this.failed}`));
  }

  replica(): AnalyticsReplica {
    return new Proxy(this.real, {
      get: (target, key, receiver) => {
        if (key === 'applyChanges') {
          return async (changes: ReplicatedChanges) => {
            if (this.mode === 'before-insert' && this.failNow()) throw this.outage('applyChanges');
            await target.applyChanges(changes);
            if (this.mode === 'after-insert' && this.failNow()) throw this.outage('applyChanges');
          };
        }
        if (key === 'recordBatchStates') {
          // The replica's other write: recording what it holds of a batch, before and after each INSERT.
          return async (...args: Parameters<AnalyticsReplica['recordBatchStates']>) => {
            await target.recordBatchStates(...args);
            if (this.mode === 'after-insert' && this.failNow()) throw this.outage('recordBatchStates');
          };
        }
        if (key === 'saveCheckpoint') {
          return async (checkpoint: ReplicationCheckpoint) => {
            if (this.mode === 'checkpoint' && this.failNow()) throw this.outage('saveCheckpoint');
            await target.saveCheckpoint(checkpoint);
          };
        }
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
  }
}

/** The same totals as analytics answer them (through the store: chDB allows one session per process). */
async function analyticsTotals(): Promise<LaneDayTotal[]> {
  const totals: LaneDayTotal[] = [];
  for (const origin of ORIGINS) {
    for (const destination of DESTINATIONS) {
      const days = await analytics.totals.dailyPriceTotals(
        { originPorts: [origin], destinationPorts: [destination] },
        { from: parseDay('2019-01-01')!, to: parseDay('2019-12-31')! },
      );
      for (const d of days)
        totals.push({ lane: `${origin}>${destination}@${d.day}`, count: d.priceCount, cents: d.totalUsdCents });
    }
  }
  return totals.sort((a, b) => (a.lane < b.lane ? -1 : a.lane > b.lane ? 1 : 0));
}

const ORIGINS = ['CNNBO', 'CNSGH'];
const DESTINATIONS = ['DEHAM', 'NLRTM'];

async function submitSome(prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const batch = await ingest.submitPriceBatch(TEST_SUPPLIER, {
      idempotencyKey: `${prefix}-${i}`,
      skipInvalid: false,
      items: Array.from({ length: 50 + i * 7 }, (_, item) => ({
        originCode: ORIGINS[item % 2]!,
        destinationCode: DESTINATIONS[item % 3 === 0 ? 0 : 1]!,
        day: `2019-03-${String(1 + ((item + i) % 28)).padStart(2, '0')}`,
        price: 1000 + item + i / 100,
        currency: 'USD',
      })),
    });
    ids.push(batch.id);
  }
  return ids;
}

const FAST = { ...FAST_REPLICATOR_OPTIONS, maxBackoffMs: 400 };

describe.each<FailureMode>(['before-insert', 'after-insert', 'checkpoint'])(
  'analytics failing (%s) for a while, then recovering',
  (mode) => {
    it('replicates everything exactly once after it recovers', async () => {
      // The operational store's oracle: the reference seed is not loaded here, only these batches.
      const first = await submitSome(`${mode}-a`, 4);
      const flaky = new FlakyAnalytics(analytics.replica, mode, 6);
      const captured = captureLog('info');
      const replicator = newReplicator(operational, flaky.replica(), FAST, captured.log);
      replicator.start();
      try {
        // Changes keep coming while it fails: more batches and a retraction.
        await submitSome(`${mode}-b`, 3);
        await ingest.retractBatch(TEST_SUPPLIER, first[1]!);
        await replicator.caughtUp(60_000);
      } finally {
        await replicator.stop();
      }
      expect(flaky.failed).toBe(6);
      const delays = captured
        .lines()
        .filter((l) => l.msg === 'replication failed; retrying after a backoff')
        .map((l) => l.retryInMs);
      // Doubling from 100 ms, capped at maxBackoffMs (400 here).
      expect(delays).toEqual([100, 200, 400, 400, 400, 400]);
      const expected = operationalLaneDayTotals(dataDir);
      expect(expected.length).toBeGreaterThan(20);
      expect(await analyticsTotals()).toEqual(expected);
      // Every batch is marked replicated once analytics caught up.
      const batches = await operational.batches.byIds(first);
      expect(batches.every((b) => b?.replicatedAt instanceof Date)).toBe(true);
    }, 120_000);
  },
);
