/**
 * The behaviour every OperationalStore adapter owes its callers, as one suite that each adapter's test
 * file runs against a real store (SQLite on a temporary file, MongoDB's wire protocol on FerretDB or a
 * replica set). Each test opens a fresh, empty store.
 */
import { randomUUID } from 'node:crypto';
import type { NewBatch, PriceRecord } from '../../../../src/domain/batch';
import { parseDay, type EpochDay } from '../../../../src/domain/day';
import { LocationsService } from '../../../../src/locations';
import { readReferenceDataset } from '../../../../src/reference-data';
import type { BatchChange, ChangeFeedReader, OperationalStore } from '../../../../src/stores/operational';
import { eventually } from '../../../helpers/eventually';
import { portsOf, rawPorts, rawRegions } from '../../../helpers/reference-answers';

export interface OpenedStore {
  readonly store: OperationalStore;
  /** Closes the store and removes what it wrote. */
  dispose(): Promise<void>;
}

export type ChangeFeedAvailability =
  { readonly available: true } | { readonly available: false; readonly reason: string };

const dataset = readReferenceDataset();
const DAY_2016_01_01 = parseDay('2016-01-01')!;

function price(itemIndex: number): PriceRecord {
  return {
    itemIndex,
    originCode: itemIndex % 2 === 0 ? 'CNSGH' : 'CNNGB',
    destinationCode: 'NLRTM',
    day: (DAY_2016_01_01 + (itemIndex % 31)) as EpochDay,
    usdCents: 110_000 + itemIndex,
    currency: 'EUR',
    amountMinor: 100_000 + itemIndex,
    usdPerUnit: '1.1',
    // Every combination of specified and unspecified dimensions, so each survives the round trip.
    containerType: ([null, '40HC', '20RE'] as const)[itemIndex % 3]!,
    contractTerm: ([null, 'SHORT_TERM', 'LONG_TERM', null] as const)[itemIndex % 4]!,
  };
}

let sequence = 0;
const SUPPLIER_A = 'supplier-a';
const SUPPLIER_B = 'supplier-b';

/**
 * A batch of `priceCount` prices plus one refused item. Its prices arrive in reverse item order, and
 * item indexes pass 10, so a store that sorts by text or by arrival shows it.
 */
export function sampleBatch(overrides: Partial<NewBatch> = {}, priceCount = 12): NewBatch {
  const n = ++sequence;
  return {
    id: randomUUID(),
    owner: SUPPLIER_A,
    idempotencyKey: `key-${n}-${randomUUID()}`,
    requestHash: `hash-${n}`,
    status: priceCount > 0 ? 'ACCEPTED' : 'REJECTED',
    skipInvalid: true,
    itemCount: priceCount + 1,
    errors: [
      {
        index: priceCount,
        field: 'originCode',
        code: 'UNKNOWN_LOCATION',
        message: 'originCode "XXXXX" is not a known port',
        // Echoed client input may hold keys a document store refuses; it must come back as it went in.
        value: { code: 'XXXXX', $where: 'a.b', nested: [1, null, 'x'] },
      },
    ],
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, n)),
    prices: Array.from({ length: priceCount }, (_, i) => price(priceCount - 1 - i)),
    ...overrides,
  };
}

const byItemIndex = (prices: readonly PriceRecord[]): PriceRecord[] =>
  [...prices].sort((a, b) => a.itemIndex - b.itemIndex);

/** Reads until `count` changes arrived (failing after `timeoutMs`), then briefly checks nothing else follows. */
async function readChanges(reader: ChangeFeedReader, count: number, timeoutMs = 10_000): Promise<BatchChange[]> {
  const changes: BatchChange[] = [];
  if (count > 0) {
    await eventually(
      async () => {
        changes.push(...(await reader.next(count, 200)));
        return changes;
      },
      (read) => read.length >= count,
      { what: `${count} changes from the feed`, timeoutMs, intervalMs: 0 },
    );
  }
  changes.push(...(await reader.next(100, 300)));
  return changes;
}

const summary = (changes: readonly BatchChange[]): string[] => changes.map((c) => `${c.kind} ${c.batchId}`);

export function describeOperationalStoreContract(
  adapter: string,
  open: () => Promise<OpenedStore>,
  changeFeed: ChangeFeedAvailability,
): void {
  let opened: OpenedStore;
  let store: OperationalStore;

  beforeEach(async () => {
    opened = await open();
    store = opened.store;
  });
  afterEach(async () => {
    await opened.dispose();
  });

  describe(`${adapter}: availability`, () => {
    it('answers the readiness ping while it can be reached', async () => {
      await expect(store.checkAvailable()).resolves.toBeUndefined();
    });
  });

  describe(`${adapter}: reference data`, () => {
    beforeEach(async () => {
      await store.referenceData.upsert(dataset);
    });

    it('holds every port and region of the reference dataset', async () => {
      expect(await store.referenceData.counts()).toEqual({ regions: rawRegions.length, ports: rawPorts.length });
      expect((await store.referenceData.allPorts()).map((p) => p.code)).toEqual(rawPorts.map((p) => p.code).sort());
      expect((await store.referenceData.allRegions()).map((r) => r.slug)).toEqual(rawRegions.map((r) => r.slug).sort());
      expect(await store.referenceData.allRegions()).toContainEqual({
        slug: 'stockholm_area',
        name: 'Stockholm Area',
        parentSlug: 'scandinavia',
      });
      expect(await store.referenceData.portsByCodes(['ESMPG'])).toEqual([
        { code: 'ESMPG', name: 'Marin, Pontevedra', regionSlug: 'north_europe_sub' },
      ]);
    });

    it('upserts: loading twice changes nothing, a changed name is updated', async () => {
      await store.referenceData.upsert(dataset);
      expect(await store.referenceData.counts()).toEqual({ regions: 20, ports: 143 });
      await store.referenceData.upsert({
        regions: [],
        ports: [{ code: 'CNSGH', name: 'Shanghai (renamed)', regionSlug: 'china_east_main' }],
      });
      expect(await store.referenceData.portsByCodes(['CNSGH'])).toEqual([
        { code: 'CNSGH', name: 'Shanghai (renamed)', regionSlug: 'china_east_main' },
      ]);
      expect(await store.referenceData.counts()).toEqual({ regions: 20, ports: 143 });
    });

    it('moves its revision on when an upsert changes a port or a region, and keeps it while nothing is read', async () => {
      const before = await store.referenceData.revision();
      expect(await store.referenceData.revision()).toBe(before);
      await store.referenceData.portsWithinRegions(['china_main']);
      expect(await store.referenceData.revision()).toBe(before);
      await store.referenceData.upsert({
        regions: [{ slug: 'china_new', name: 'China (new)', parentSlug: 'china_main' }],
        ports: [{ code: 'CNZZZ', name: 'New port', regionSlug: 'china_new' }],
      });
      const after = await store.referenceData.revision();
      expect(after).toBeGreaterThan(before);
      await store.referenceData.upsert({
        regions: [],
        ports: [{ code: 'CNZZZ', name: 'New port (renamed)', regionSlug: 'china_new' }],
      });
      expect(await store.referenceData.revision()).toBeGreaterThan(after);
    });

    it('refuses a port in a region that does not exist, and keeps what it had', async () => {
      await expect(
        store.referenceData.upsert({
          regions: [],
          ports: [{ code: 'ZZZZZ', name: 'Nowhere', regionSlug: 'no_such_region' }],
        }),
        // Errors built outside jest's sandbox (better-sqlite3's) fail `toThrow`, so look at the message.
      ).rejects.toHaveProperty('message', expect.any(String));
      expect(await store.referenceData.portsByCodes(['ZZZZZ'])).toEqual([undefined]);
      expect(await store.referenceData.counts()).toEqual({ regions: 20, ports: 143 });
    });

    it('answers batched lookups in the order asked, undefined for unknown keys', async () => {
      const ports = await store.referenceData.portsByCodes(['NLRTM', 'NOPE!', 'CNSGH']);
      expect(ports.map((p) => p?.code)).toEqual(['NLRTM', undefined, 'CNSGH']);
      const regions = await store.referenceData.regionsBySlugs(['baltic', 'atlantis', 'china_main']);
      expect(regions.map((r) => r?.slug)).toEqual(['baltic', undefined, 'china_main']);
    });

    it('lists direct children only, ordered by slug', async () => {
      const [scandinavia, stockholm, unknown] = await store.referenceData.childRegionsFor([
        'scandinavia',
        'stockholm_area',
        'atlantis',
      ]);
      expect(scandinavia!.map((r) => r.slug)).toEqual(
        rawRegions
          .filter((r) => r.parent === 'scandinavia')
          .map((r) => r.slug)
          .sort(),
      );
      expect(stockholm).toEqual([]);
      expect(unknown).toEqual([]);
    });

    it('finds every port at any depth below a region, ordered by code', async () => {
      const slugs = ['northern_europe', 'scandinavia', 'stockholm_area', 'china_main', 'no_such_region'];
      const found = await store.referenceData.portsWithinRegions(slugs);
      slugs.forEach((slug, i) => {
        expect(found[i]!.map((p) => p.code)).toEqual([...portsOf(slug)].sort());
      });
      expect(found[0]!.map((p) => p.code)).toContain('SESTO');
    });

    it('resolves a port code or a region slug, and nothing else', async () => {
      const locations = new LocationsService(store.referenceData);
      expect(await locations.resolve('CNSGH')).toEqual({ kind: 'port', id: 'CNSGH', portCodes: ['CNSGH'] });
      const region = await locations.resolve('scandinavia');
      expect(region?.kind).toBe('region');
      expect(new Set(region?.portCodes)).toEqual(portsOf('scandinavia'));
      expect(await locations.resolve('cnsgh')).toBeUndefined();
      expect(await locations.resolve("'; DROP TABLE ports; --")).toBeUndefined();
      expect(await locations.resolve('{"$ne": null}')).toBeUndefined();
    });
  });

  describe(`${adapter}: batches`, () => {
    it('records a batch and answers it with every field, its prices in item order', async () => {
      const batch = sampleBatch();
      const outcome = await store.batches.record(batch);
      const expected = {
        id: batch.id,
        owner: SUPPLIER_A,
        idempotencyKey: batch.idempotencyKey,
        requestHash: batch.requestHash,
        status: 'ACCEPTED',
        skipInvalid: true,
        itemCount: 13,
        chunkCount: 0,
        processedCount: 13,
        acceptedCount: 12,
        rejectedCount: 1,
        errors: batch.errors,
        errorCount: 1,
        createdAt: batch.createdAt,
        openUntil: null,
        retractedAt: null,
        replicatedAt: null,
      };
      expect(outcome).toEqual({ kind: 'created', batch: expected });
      expect(await store.batches.byIds([batch.id])).toEqual([expected]);
      expect(await store.batches.pricesOf(batch.id, null, 1000)).toEqual(byItemIndex(batch.prices));
    });

    it('keeps the skipInvalid a batch was submitted with, whether or not any item was invalid', async () => {
      // Both adapters once guessed it from "has item errors": all valid with skipInvalid read false.
      const allValid = await store.batches.record(sampleBatch({ errors: [], itemCount: 12, skipInvalid: true }));
      const strict = await store.batches.record(sampleBatch({ status: 'REJECTED', skipInvalid: false }, 0));
      expect(allValid.batch.skipInvalid).toBe(true);
      expect(strict.batch.skipInvalid).toBe(false);
      const [readAllValid, readStrict] = await store.batches.byIds([allValid.batch.id, strict.batch.id]);
      expect(readAllValid?.skipInvalid).toBe(true);
      expect(readStrict?.skipInvalid).toBe(false);
    });

    it('records a batch without prices (every item refused)', async () => {
      const batch = sampleBatch({}, 0);
      expect((await store.batches.record(batch)).batch).toMatchObject({ status: 'REJECTED', acceptedCount: 0 });
      expect(await store.batches.pricesOf(batch.id, null, 1_000_000)).toEqual([]);
    });

    it('answers a repeated key with the earlier batch: the same request is existing, other content a conflict', async () => {
      const first = sampleBatch();
      const created = await store.batches.record(first);
      const again = await store.batches.record({ ...first, id: randomUUID(), createdAt: new Date() });
      expect(again).toEqual({ kind: 'existing', batch: created.batch });
      const other = sampleBatch({ idempotencyKey: first.idempotencyKey }, 3);
      expect(await store.batches.record(other)).toEqual({ kind: 'conflict', batch: created.batch });
      expect((await store.batches.page(10, undefined)).batches.map((b) => b.id)).toEqual([first.id]);
      expect(await store.batches.pricesOf(first.id, null, 1_000_000)).toHaveLength(12);
      expect(await store.batches.byIds([other.id])).toEqual([undefined]);
    });

    it('answers batched reads in the order asked, undefined or empty for unknown ids', async () => {
      const [a, b] = [sampleBatch({}, 2), sampleBatch({}, 3)];
      await store.batches.record(a);
      await store.batches.record(b);
      const found = await store.batches.byIds([b.id, 'no-such-batch', a.id, b.id]);
      expect(found.map((x) => x?.id)).toEqual([b.id, undefined, a.id, b.id]);
      expect(await store.batches.pricesOf('no-such-batch', null, 10)).toEqual([]);
    });

    it('reads a batch’s prices a page at a time, in item order', async () => {
      const batch = sampleBatch({}, 12);
      await store.batches.record(batch);
      const all = byItemIndex(batch.prices);
      expect(await store.batches.pricesOf(batch.id, null, 5)).toEqual(all.slice(0, 5));
      expect(await store.batches.pricesOf(batch.id, 4, 5)).toEqual(all.slice(5, 10));
      expect(await store.batches.pricesOf(batch.id, 9, 5)).toEqual(all.slice(10));
      expect(await store.batches.pricesOf(batch.id, 11, 5)).toEqual([]);
    });

    it('finds a batch by its idempotency key', async () => {
      const batch = sampleBatch();
      await store.batches.record(batch);
      expect((await store.batches.byIdempotencyKey(SUPPLIER_A, batch.idempotencyKey))?.id).toBe(batch.id);
      expect(await store.batches.byIdempotencyKey(SUPPLIER_A, 'no-such-key')).toBeUndefined();
    });

    it('keeps idempotency keys per owner: the same key of another owner is a batch of its own', async () => {
      const a = sampleBatch({}, 2);
      await store.batches.record(a);
      const reused = { ...sampleBatch({ owner: SUPPLIER_B, idempotencyKey: a.idempotencyKey }, 3), requestHash: 'b' };
      const b = await store.batches.record(reused);
      expect(b).toMatchObject({ kind: 'created', batch: { id: reused.id, owner: SUPPLIER_B, acceptedCount: 3 } });
      // The same content under the same key is still the other owner's own batch, not A's.
      const mirror = sampleBatch({ owner: null, idempotencyKey: a.idempotencyKey, requestHash: a.requestHash }, 2);
      expect(await store.batches.record(mirror)).toMatchObject({
        kind: 'created',
        batch: { id: mirror.id, owner: null },
      });
      const byKey = async (owner: string | null) => (await store.batches.byIdempotencyKey(owner, a.idempotencyKey))?.id;
      expect([await byKey(SUPPLIER_A), await byKey(SUPPLIER_B), await byKey(null)]).toEqual([
        a.id,
        reused.id,
        mirror.id,
      ]);
      expect(await store.batches.byIdempotencyKey('supplier-c', a.idempotencyKey)).toBeUndefined();
      expect((await store.batches.byIds([a.id]))[0]?.owner).toBe(SUPPLIER_A);
      // Each owner's retry still finds its own batch.
      expect(await store.batches.record({ ...reused, id: randomUUID() })).toMatchObject({
        kind: 'existing',
        batch: { id: reused.id },
      });
      // A chunked batch shares keys with its owner's whole batches only.
      const opened = await store.chunkedBatches.open({
        id: randomUUID(),
        owner: 'supplier-c',
        idempotencyKey: a.idempotencyKey,
        requestHash: 'chunked',
        skipInvalid: false,
        createdAt: new Date(),
        openUntil: new Date(Date.now() + 60_000),
      });
      expect(opened).toMatchObject({ kind: 'created', batch: { owner: 'supplier-c', status: 'OPEN' } });
      const ids = async (ownedBy?: string) =>
        (await store.batches.page(10, undefined, ownedBy)).batches.map((x) => x.id);
      expect(await ids(SUPPLIER_A)).toEqual([a.id]);
      expect(await ids(SUPPLIER_B)).toEqual([reused.id]);
      expect(await ids('nobody')).toEqual([]);
      expect((await ids()).sort()).toEqual([a.id, reused.id, mirror.id, opened.batch.id].sort());
      const [newestOfA] = (await store.batches.page(1, undefined, SUPPLIER_A)).batches;
      expect(
        (await store.batches.page(1, { createdAt: newestOfA!.createdAt, id: newestOfA!.id }, SUPPLIER_A)).batches,
      ).toEqual([]);
    });

    it('restores a retracted batch to what it was, unreplicated until marked; anything else stays', async () => {
      const [accepted, rejected] = [sampleBatch({}, 4), sampleBatch({}, 0)];
      await store.batches.record(accepted);
      await store.batches.record(rejected);
      await store.batches.markReplicated([{ batchId: accepted.id, kind: 'committed' }], new Date(Date.UTC(2026, 6, 1)));
      expect(await store.batches.restore(accepted.id, new Date())).toMatchObject({ status: 'ACCEPTED' });
      await store.batches.retract(accepted.id, new Date(Date.UTC(2026, 6, 2)));
      await store.batches.retract(rejected.id, new Date(Date.UTC(2026, 6, 2)));
      await store.batches.markReplicated([{ batchId: accepted.id, kind: 'retracted' }], new Date(Date.UTC(2026, 6, 3)));
      const restoredAt = new Date(Date.UTC(2026, 6, 4));
      expect(await store.batches.restore(accepted.id, restoredAt)).toMatchObject({
        status: 'ACCEPTED',
        acceptedCount: 4,
        retractedAt: null,
        replicatedAt: null,
      });
      expect(await store.batches.restore(rejected.id, restoredAt)).toMatchObject({
        status: 'REJECTED',
        retractedAt: null,
      });
      expect(await store.batches.pricesOf(accepted.id, null, 100)).toHaveLength(4);
      const marked = new Date(Date.UTC(2026, 6, 5));
      await store.batches.markReplicated([{ batchId: accepted.id, kind: 'committed' }], marked);
      expect((await store.batches.byIds([accepted.id]))[0]?.replicatedAt).toEqual(marked);
      expect(await store.batches.restore(accepted.id, new Date())).toMatchObject({ replicatedAt: marked });
      // Retracted again, it reads unreplicated until this retraction is marked.
      expect(await store.batches.retract(accepted.id, new Date())).toMatchObject({ replicatedAt: null });
      expect(await store.batches.restore('no-such-batch', new Date())).toBeUndefined();
    });

    it('lists batches newest first, page by page', async () => {
      const at = (second: number) => new Date(Date.UTC(2026, 1, 1, 0, 0, second));
      // Two batches share a creation time: the id breaks the tie, so no page skips or repeats one.
      const batches = [
        sampleBatch({ createdAt: at(1) }, 1),
        sampleBatch({ createdAt: at(3), id: 'b-tie' }, 1),
        sampleBatch({ createdAt: at(3), id: 'a-tie' }, 1),
        sampleBatch({ createdAt: at(2) }, 1),
        sampleBatch({ createdAt: at(5) }, 1),
      ];
      for (const batch of batches) await store.batches.record(batch);
      const newestFirst = [batches[4]!.id, 'b-tie', 'a-tie', batches[3]!.id, batches[0]!.id];

      const seen: string[] = [];
      const more: boolean[] = [];
      let page = await store.batches.page(2, undefined);
      for (;;) {
        seen.push(...page.batches.map((b) => b.id));
        more.push(page.hasMore);
        const last = page.batches.at(-1);
        if (!page.hasMore || !last) break;
        page = await store.batches.page(2, { createdAt: last.createdAt, id: last.id });
      }
      expect(seen).toEqual(newestFirst);
      expect(more).toEqual([true, true, false]);
      expect(await store.batches.page(5, undefined)).toMatchObject({ hasMore: false });
      expect((await store.batches.page(10, { createdAt: at(0), id: 'z' })).batches).toEqual([]);
    });

    it('retracts a batch once; retracting again changes nothing; an unknown id answers undefined', async () => {
      const batch = sampleBatch();
      await store.batches.record(batch);
      const retractedAt = new Date(Date.UTC(2026, 2, 1));
      expect(await store.batches.retract(batch.id, retractedAt)).toMatchObject({
        id: batch.id,
        status: 'RETRACTED',
        retractedAt,
      });
      expect(await store.batches.retract(batch.id, new Date(Date.UTC(2026, 3, 1)))).toMatchObject({
        status: 'RETRACTED',
        retractedAt,
      });
      expect((await store.batches.byIds([batch.id]))[0]).toMatchObject({ status: 'RETRACTED', retractedAt });
      expect(await store.batches.retract('no-such-batch', retractedAt)).toBeUndefined();
      // Its prices stay readable: the replicator needs to know what to take back.
      expect(await store.batches.pricesOf(batch.id, null, 1_000_000)).toHaveLength(12);
    });

    it('sets replicatedAt once per state: a retracted batch reads null until its retraction is marked', async () => {
      const [a, b] = [sampleBatch(), sampleBatch()];
      await store.batches.record(a);
      await store.batches.record(b);
      const t1 = new Date(Date.UTC(2026, 4, 1));
      const t2 = new Date(Date.UTC(2026, 4, 2));
      const t3 = new Date(Date.UTC(2026, 4, 3));
      await store.batches.markReplicated(
        [
          { batchId: a.id, kind: 'committed' },
          { batchId: 'no-such-batch', kind: 'committed' },
        ],
        t1,
      );
      const replicatedAt = async () => (await store.batches.byIds([a.id, b.id])).map((x) => x?.replicatedAt);
      expect(await replicatedAt()).toEqual([t1, null]);
      await store.batches.markReplicated([{ batchId: a.id, kind: 'committed' }], t2);
      expect(await replicatedAt()).toEqual([t1, null]);

      await store.batches.retract(a.id, t2);
      expect(await replicatedAt()).toEqual([null, null]);
      await store.batches.markReplicated(
        [
          { batchId: a.id, kind: 'retracted' },
          { batchId: b.id, kind: 'committed' },
        ],
        t3,
      );
      expect(await replicatedAt()).toEqual([t3, t3]);
      await store.batches.markReplicated([{ batchId: a.id, kind: 'retracted' }], new Date());
      expect(await replicatedAt()).toEqual([t3, t3]);
      await store.batches.markReplicated([], new Date());
    });
  });

  describe(`${adapter}: chunked batches`, () => {
    const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
    const chunk = (index: number, itemCount: number, content = `content-${index}`) => ({
      index,
      itemCount,
      contentHash: `hash-of-${content}`,
      content,
    });
    const openBatch = async (skipInvalid = false) => {
      const n = ++sequence;
      const outcome = await store.chunkedBatches.open({
        id: randomUUID(),
        owner: SUPPLIER_A,
        idempotencyKey: `chunked-${n}-${randomUUID()}`,
        requestHash: `chunked-hash-${n}`,
        skipInvalid,
        createdAt: t(n),
        openUntil: t(n + 60_000),
      });
      expect(outcome.kind).toBe('created');
      return outcome.batch;
    };
    /** Opens, appends chunks of the given sizes, commits. */
    const committedBatch = async (sizes: readonly number[], skipInvalid = false) => {
      const batch = await openBatch(skipInvalid);
      for (const [index, size] of sizes.entries()) await store.chunkedBatches.append(batch.id, chunk(index, size), 1e9);
      expect((await store.chunkedBatches.commit(batch.id))?.kind).toBe('committed');
      return batch;
    };
    const outcomeOf = (chunkIndex: number, firstItemIndex: number, valid: number, invalid: number) => ({
      chunkIndex,
      itemCount: valid + invalid,
      prices: Array.from({ length: valid }, (_, i) => price(firstItemIndex + i)),
      reportedErrors: Array.from({ length: invalid }, (_, i) => ({
        index: firstItemIndex + valid + i,
        field: 'day',
        code: 'BAD_USER_INPUT' as const,
        message: 'must be a calendar day',
        value: 'nope',
      })),
      errorCount: invalid,
    });

    it('opens a batch that answers OPEN with its deadline; its key is shared with whole batches', async () => {
      const batch = await openBatch(true);
      expect(batch).toMatchObject({
        status: 'OPEN',
        skipInvalid: true,
        itemCount: 0,
        chunkCount: 0,
        processedCount: 0,
        acceptedCount: 0,
        errorCount: 0,
        openUntil: t(sequence + 60_000),
      });
      const again = await store.chunkedBatches.open({
        id: randomUUID(),
        owner: SUPPLIER_A,
        idempotencyKey: batch.idempotencyKey,
        requestHash: batch.requestHash,
        skipInvalid: true,
        createdAt: t(0),
        openUntil: t(1),
      });
      expect(again).toEqual({ kind: 'existing', batch });
      const whole = sampleBatch({ idempotencyKey: batch.idempotencyKey });
      expect((await store.batches.record(whole)).kind).toBe('conflict');
    });

    it('keeps chunks once: a retry is a duplicate, other content under the same index a conflict', async () => {
      const batch = await openBatch();
      expect((await store.chunkedBatches.append(batch.id, chunk(1, 5), 100))?.kind).toBe('appended');
      const appended = await store.chunkedBatches.append(batch.id, chunk(0, 3), 100);
      expect(appended).toMatchObject({ kind: 'appended', batch: { itemCount: 8, chunkCount: 2 } });
      expect((await store.chunkedBatches.append(batch.id, chunk(0, 3), 100))?.kind).toBe('duplicate');
      expect((await store.chunkedBatches.append(batch.id, chunk(0, 3, 'other'), 100))?.kind).toBe('conflict');
      expect(await store.chunkedBatches.append(batch.id, chunk(2, 93), 100)).toMatchObject({
        kind: 'too-many-items',
        maxItems: 100,
      });
      expect((await store.batches.byIds([batch.id]))[0]).toMatchObject({ itemCount: 8, chunkCount: 2 });
      expect(await store.chunkedBatches.append(randomUUID(), chunk(0, 1), 100)).toBeUndefined();
    });

    it('commits only a gapless numbering, once; an open batch refuses nothing but commit answers the gaps', async () => {
      const empty = await openBatch();
      expect(await store.chunkedBatches.commit(empty.id)).toMatchObject({ kind: 'missing-chunks', missing: [0] });
      const batch = await openBatch();
      await store.chunkedBatches.append(batch.id, chunk(0, 2), 100);
      await store.chunkedBatches.append(batch.id, chunk(3, 2), 100);
      expect(await store.chunkedBatches.commit(batch.id)).toMatchObject({ kind: 'missing-chunks', missing: [1, 2] });
      await store.chunkedBatches.append(batch.id, chunk(1, 4), 100);
      await store.chunkedBatches.append(batch.id, chunk(2, 1), 100);
      expect(await store.chunkedBatches.commit(batch.id)).toMatchObject({
        kind: 'committed',
        batch: { status: 'COMMITTED', itemCount: 9, chunkCount: 4, openUntil: null },
      });
      expect((await store.chunkedBatches.commit(batch.id))?.kind).toBe('already-committed');
      expect((await store.chunkedBatches.append(batch.id, chunk(4, 1), 100))?.kind).toBe('not-open');
      expect((await store.chunkedBatches.append(batch.id, chunk(1, 4), 100))?.kind).toBe('duplicate');
      expect(await store.chunkedBatches.commit(randomUUID())).toBeUndefined();
    });

    it('aborts or expires only open batches; their chunks are no longer handed out', async () => {
      const aborted = await openBatch();
      await store.chunkedBatches.append(aborted.id, chunk(0, 2), 100);
      expect(await store.chunkedBatches.end(aborted.id, 'ABORTED')).toMatchObject({
        kind: 'ended',
        batch: { status: 'ABORTED' },
      });
      expect((await store.chunkedBatches.commit(aborted.id))?.kind).toBe('not-open');
      expect((await store.chunkedBatches.end(aborted.id, 'ABORTED'))?.kind).toBe('not-open');
      expect(await store.batchWork.chunk(aborted.id, 0)).toBeUndefined();

      const stale = await openBatch();
      const fresh = await openBatch();
      const committed = await committedBatch([1]);
      // stale's deadline is t(n + 60 s); fresh was opened later, so its deadline is later too.
      const expired = await store.chunkedBatches.expireDue(stale.openUntil as Date);
      expect(expired).toEqual([stale.id]);
      const [staleNow, freshNow, committedNow] = await store.batches.byIds([stale.id, fresh.id, committed.id]);
      expect([staleNow?.status, freshNow?.status, committedNow?.status]).toEqual(['EXPIRED', 'OPEN', 'COMMITTED']);
      expect(await store.batchWork.claim('w', 1000, t(0))).toMatchObject({ batch: { id: committed.id } });
    });

    it('leases the oldest committed batch to one worker; another gets it only after the lease runs out', async () => {
      const first = await committedBatch([2]);
      const second = await committedBatch([2]);
      const work = await store.batchWork.claim('alice', 1000, t(0));
      expect(work).toMatchObject({
        holder: 'alice',
        processedChunks: 0,
        batch: { id: first.id, status: 'PROCESSING' },
      });
      expect((await store.batchWork.claim('bob', 1000, t(10)))?.batch.id).toBe(second.id);
      expect(await store.batchWork.claim('carol', 1000, t(999))).toBeUndefined();
      const takenOver = await store.batchWork.claim('carol', 1000, t(1000));
      expect(takenOver).toMatchObject({ holder: 'carol', batch: { id: first.id } });
    });

    it('hands chunks out numbered across the batch and records each once, fenced by the lease', async () => {
      const batch = await committedBatch([3, 2]);
      const work = await store.batchWork.claim('alice', 1000, t(0));
      expect(await store.batchWork.chunk(batch.id, 0)).toEqual({ index: 0, firstItemIndex: 0, content: 'content-0' });
      expect(await store.batchWork.chunk(batch.id, 1)).toEqual({ index: 1, firstItemIndex: 3, content: 'content-1' });
      expect(work?.holder).toBe('alice');
      // Out of order, or by someone else: refused and nothing written.
      expect(await store.batchWork.recordChunk(batch.id, 'alice', outcomeOf(1, 3, 2, 0), t(500))).toBe(false);
      expect(await store.batchWork.recordChunk(batch.id, 'bob', outcomeOf(0, 0, 2, 1), t(500))).toBe(false);
      expect(await store.batchWork.recordChunk(batch.id, 'alice', outcomeOf(0, 0, 2, 1), t(500))).toBe(true);
      expect(await store.batchWork.recordChunk(batch.id, 'alice', outcomeOf(0, 0, 2, 1), t(500))).toBe(false);
      expect((await store.batches.byIds([batch.id]))[0]).toMatchObject({
        status: 'PROCESSING',
        processedCount: 3,
        acceptedCount: 2,
        rejectedCount: 1,
        errorCount: 1,
        errors: [{ index: 2, field: 'day' }],
      });
      // Alice renewed her lease to t(500) with that chunk; Bob takes over after it and resumes at chunk 1.
      expect(await store.batchWork.claim('bob', 1000, t(499))).toBeUndefined();
      expect(await store.batchWork.claim('bob', 1000, t(500))).toMatchObject({ processedChunks: 1 });
      expect(await store.batchWork.recordChunk(batch.id, 'alice', outcomeOf(1, 3, 2, 0), t(600))).toBe(false);
      expect(await store.batchWork.recordChunk(batch.id, 'bob', outcomeOf(1, 3, 2, 0), t(600))).toBe(true);
      expect(await store.batchWork.settle(batch.id, 'alice', 'ACCEPTED', t(700))).toBeUndefined();
      const settled = await store.batchWork.settle(batch.id, 'bob', 'ACCEPTED', t(700));
      expect(settled).toMatchObject({ status: 'ACCEPTED', itemCount: 5, processedCount: 5, acceptedCount: 4 });
      expect(await store.batches.pricesOf(batch.id, null, 1_000_000)).toEqual([0, 1, 3, 4].map(price));
      expect(await store.batchWork.chunk(batch.id, 0)).toBeUndefined();
      expect(await store.batchWork.claim('carol', 1000, t(10_000))).toBeUndefined();
      expect(await store.changeFeed.backlog(null)).toEqual({ changes: 1, oldestAt: t(700) });
    });

    it('settles REJECTED without prices, and hands a released batch to the next worker at once', async () => {
      const batch = await committedBatch([2, 2]);
      await store.batchWork.claim('alice', 60_000, t(0));
      await store.batchWork.recordChunk(batch.id, 'alice', outcomeOf(0, 0, 2, 0), t(100));
      await store.batchWork.handBack(batch.id, 'alice');
      expect((await store.batches.byIds([batch.id]))[0]?.status).toBe('COMMITTED');
      expect(await store.batchWork.claim('bob', 60_000, t(1))).toMatchObject({ processedChunks: 1, holder: 'bob' });
      await store.batchWork.recordChunk(batch.id, 'bob', outcomeOf(1, 2, 1, 1), t(100));
      const rejected = await store.batchWork.settle(batch.id, 'bob', 'REJECTED', t(200));
      expect(rejected).toMatchObject({ status: 'REJECTED', processedCount: 4, acceptedCount: 0, rejectedCount: 4 });
      expect(await store.batches.pricesOf(batch.id, null, 1_000_000)).toEqual([]);
    });

    it('tells how many batches wait for a worker, how many are in work, and when the oldest waiting was created', async () => {
      expect(await store.batchWork.depth(t(0))).toEqual({ waiting: 0, inWork: 0, oldestWaitingCreatedAt: undefined });
      await openBatch(); // open batches are not queued yet
      const first = await committedBatch([1]);
      const second = await committedBatch([1]);
      await committedBatch([1]);
      expect(await store.batchWork.depth(t(0))).toEqual({
        waiting: 3,
        inWork: 0,
        oldestWaitingCreatedAt: first.createdAt,
      });
      await store.batchWork.claim('alice', 1000, t(0)); // takes first
      expect(await store.batchWork.depth(t(500))).toEqual({
        waiting: 2,
        inWork: 1,
        oldestWaitingCreatedAt: second.createdAt,
      });
      // Alice's lease lapsed: first waits again, and is the oldest.
      expect(await store.batchWork.depth(t(1000))).toEqual({
        waiting: 3,
        inWork: 0,
        oldestWaitingCreatedAt: first.createdAt,
      });
      await store.batchWork.claim('bob', 60_000, t(1000)); // takes first over
      await store.batchWork.recordChunk(first.id, 'bob', outcomeOf(0, 0, 1, 0), t(60_000));
      await store.batchWork.settle(first.id, 'bob', 'ACCEPTED', t(2000));
      await store.chunkedBatches.end((await openBatch()).id, 'ABORTED');
      expect(await store.batchWork.depth(t(2000))).toEqual({
        waiting: 2,
        inWork: 0,
        oldestWaitingCreatedAt: second.createdAt,
      });
    });

    it('retracts settled batches only', async () => {
      const open = await openBatch();
      expect((await store.batches.retract(open.id, t(1)))?.status).toBe('OPEN');
      const batch = await committedBatch([1]);
      expect((await store.batches.retract(batch.id, t(1)))?.status).toBe('COMMITTED');
      expect(await store.changeFeed.backlog(null)).toEqual({ changes: 0, oldestAt: null });
    });
  });

  describe(`${adapter}: replication leases`, () => {
    const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

    it('grants a free lease, renews it for its holder, refuses others until it expires', async () => {
      expect(await store.replicationLeases.acquire('replica-1', 'alice', 1000, t(0))).toBe(true);
      expect(await store.replicationLeases.acquire('replica-1', 'alice', 1000, t(500))).toBe(true);
      // Alice renewed at 500, so her lease runs to 1500.
      expect(await store.replicationLeases.acquire('replica-1', 'bob', 1000, t(1200))).toBe(false);
      expect(await store.replicationLeases.acquire('replica-2', 'bob', 1000, t(1200))).toBe(true);
      expect(await store.replicationLeases.acquire('replica-1', 'bob', 1000, t(1500))).toBe(true);
      expect(await store.replicationLeases.acquire('replica-1', 'alice', 1000, t(1600))).toBe(false);
    });

    it('hands a running lease to whoever replaces its holder, and says who holds it', async () => {
      expect(await store.replicationLeases.holder('replica-1')).toBeUndefined();
      expect(await store.replicationLeases.acquire('replica-1', 'alice', 60_000, t(0))).toBe(true);
      expect(await store.replicationLeases.holder('replica-1')).toBe('alice');
      expect(await store.replicationLeases.acquire('replica-1', 'bob', 60_000, t(1), 'carol')).toBe(false);
      expect(await store.replicationLeases.acquire('replica-1', 'bob', 60_000, t(1), 'alice')).toBe(true);
      expect(await store.replicationLeases.holder('replica-1')).toBe('bob');
      expect(await store.replicationLeases.acquire('replica-1', 'alice', 60_000, t(2))).toBe(false);
      await store.replicationLeases.release('replica-1', 'bob');
      expect(await store.replicationLeases.holder('replica-1')).toBeUndefined();
    });

    it('releases only the holder’s own lease', async () => {
      expect(await store.replicationLeases.acquire('replica-1', 'alice', 60_000, t(0))).toBe(true);
      await store.replicationLeases.release('replica-1', 'bob');
      expect(await store.replicationLeases.acquire('replica-1', 'bob', 60_000, t(1))).toBe(false);
      await store.replicationLeases.release('replica-1', 'alice');
      expect(await store.replicationLeases.acquire('replica-1', 'bob', 60_000, t(2))).toBe(true);
      await store.replicationLeases.release('replica-9', 'nobody');
    });
  });

  describe(`${adapter}: retention`, () => {
    const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

    /**
     * The feed's latest commit of a batch as a replicator applies it: read from the feed where the
     * adapter has one here, else as the feed would carry it (the commit at `committedAt`).
     */
    async function commitOf(batchId: string, committedAt: Date): Promise<BatchChange> {
      if (!changeFeed.available) return { kind: 'committed', batchId, position: 'none', at: committedAt };
      const reader = await store.changeFeed.follow(null);
      try {
        const changes = await reader.next(1000, 200);
        const commit = changes.filter((c) => c.batchId === batchId && c.kind === 'committed').at(-1);
        if (!commit) throw new Error(`no commit of ${batchId} in the feed`);
        return commit;
      } finally {
        await reader.close();
      }
    }

    async function countedBatch(priceCount = 12): Promise<{ id: string; createdAt: Date; countedAt: Date }> {
      const batch = sampleBatch({}, priceCount);
      await store.batches.record(batch);
      const countedAt = t(1000 + sequence);
      await store.batches.markReplicated([{ batchId: batch.id, kind: 'committed' }], countedAt);
      return { id: batch.id, createdAt: batch.createdAt, countedAt };
    }

    it('answers counted ACCEPTED batches up to the cutoff, each with the replicas that acknowledged its commit', async () => {
      const old = await countedBatch();
      const recent = await countedBatch();
      await store.batches.record(sampleBatch()); // never counted
      const retracted = await countedBatch();
      await store.batches.retract(retracted.id, t(5000));
      await store.replicas.heartbeat('replica-a', t(0));
      await store.replicas.heartbeat('replica-b', t(0));
      await store.replicas.acknowledge('replica-a', [await commitOf(old.id, old.createdAt)], t(10));

      const candidates = await store.retention.candidates(old.countedAt, 10);
      expect(candidates).toEqual([
        { batchId: old.id, countedAt: old.countedAt, acknowledgedBy: new Set(['replica-a']) },
      ]);
      const later = await store.retention.candidates(recent.countedAt, 10);
      expect(later.map((c) => c.batchId)).toEqual([old.id, recent.id]);
      expect(later[1]?.acknowledgedBy).toEqual(new Set());
      expect((await store.retention.candidates(recent.countedAt, 1)).map((c) => c.batchId)).toEqual([old.id]);
    });

    it('does not count an acknowledgement of a commit that a restore replaced', async () => {
      const batch = await countedBatch();
      await store.replicas.heartbeat('replica-a', t(0));
      await store.replicas.acknowledge('replica-a', [await commitOf(batch.id, batch.createdAt)], t(10));
      await store.batches.retract(batch.id, t(20_000));
      await store.batches.restore(batch.id, t(30_000));
      const recountedAt = t(40_000);
      await store.batches.markReplicated([{ batchId: batch.id, kind: 'committed' }], recountedAt);
      const [candidate] = await store.retention.candidates(recountedAt, 10);
      expect(candidate?.acknowledgedBy).toEqual(new Set());
      await store.replicas.acknowledge('replica-a', [await commitOf(batch.id, t(30_000))], t(50_000));
      const [again] = await store.retention.candidates(recountedAt, 10);
      expect(again?.acknowledgedBy).toEqual(new Set(['replica-a']));
    });

    it('marks a batch only as it was read, removes its prices in bounded steps, keeps its record, refuses its restore', async () => {
      const batch = await countedBatch(12);
      const other = await countedBatch(3);
      expect(await store.retention.hasPruned()).toBe(false);
      expect(await store.retention.removePrices(batch.id, 5)).toBe(0); // not marked: nothing goes
      expect(await store.retention.markPruning(batch.id, t(1))).toBe(false); // counted at another time
      expect(await store.retention.markPruning(batch.id, batch.countedAt)).toBe(true);
      expect(await store.retention.markPruning(batch.id, batch.countedAt)).toBe(true);
      expect(await store.retention.hasPruned()).toBe(true);
      const before = await store.retention.priceCount();

      expect(await store.retention.removePrices(batch.id, 5)).toBe(5);
      expect(await store.retention.priceCount()).toBe(before - 5);
      expect((await store.retention.candidates(other.countedAt, 10)).map((c) => c.batchId)).toContain(batch.id);
      expect(await store.retention.removePrices(batch.id, 5)).toBe(5);
      expect(await store.retention.removePrices(batch.id, 5)).toBe(2);
      expect(await store.retention.removePrices(batch.id, 5)).toBe(0);
      expect(await store.retention.priceCount()).toBe(before - 12);
      expect(await store.batches.pricesOf(other.id, null, 100)).toHaveLength(3);
      expect(await store.batches.pricesOf(batch.id, null, 100)).toEqual([]);
      expect((await store.retention.candidates(other.countedAt, 10)).map((c) => c.batchId)).toEqual([other.id]);

      const [record] = await store.batches.byIds([batch.id]);
      expect(record).toMatchObject({ id: batch.id, status: 'ACCEPTED', acceptedCount: 12, errorCount: 1 });
      expect((await store.batches.retract(batch.id, t(60_000)))?.status).toBe('RETRACTED');
      expect((await store.batches.restore(batch.id, t(70_000)))?.status).toBe('RETRACTED');
    });

    it('does not mark a batch retracted since it was read', async () => {
      const batch = await countedBatch();
      await store.batches.retract(batch.id, t(5000));
      expect(await store.retention.markPruning(batch.id, batch.countedAt)).toBe(false);
      expect(await store.retention.hasPruned()).toBe(false);
      expect((await store.batches.restore(batch.id, t(6000)))?.status).toBe('ACCEPTED');
    });

    it('registers a replica once, copying another one’s acknowledgements when asked', async () => {
      const batch = await countedBatch();
      expect(await store.replicas.heartbeat('replica-a', t(0))).toEqual({
        registered: true,
        replica: { replicaId: 'replica-a', registeredAt: t(0), heardAt: t(0), retiredAt: null },
      });
      await store.replicas.acknowledge('replica-a', [await commitOf(batch.id, batch.createdAt)], t(5));
      const again = await store.replicas.heartbeat('replica-a', t(10));
      expect(again).toEqual({
        registered: false,
        replica: { replicaId: 'replica-a', registeredAt: t(0), heardAt: t(10), retiredAt: null },
      });
      await store.replicas.heartbeat('replica-c', t(20), 'replica-a');
      const [candidate] = await store.retention.candidates(batch.countedAt, 10);
      expect(candidate?.acknowledgedBy).toEqual(new Set(['replica-a', 'replica-c']));
      await store.replicas.unregister('replica-c');
      expect((await store.replicas.replicas()).map((r) => r.replicaId)).toEqual(['replica-a']);
      const [after] = await store.retention.candidates(batch.countedAt, 10);
      expect(after?.acknowledgedBy).toEqual(new Set(['replica-a']));
    });

    it('retires only replicas silent since the cutoff, once; a retired one stays retired and acknowledges nothing', async () => {
      const batch = await countedBatch();
      await store.replicas.heartbeat('quiet', t(0));
      await store.replicas.heartbeat('busy', t(0));
      await store.replicas.acknowledge('busy', [], t(900));
      expect(await store.replicas.retire(['quiet', 'busy'], t(500), t(1000))).toEqual(['quiet']);
      expect(await store.replicas.retire(['quiet'], t(500), t(1001))).toEqual([]);
      const { replica } = await store.replicas.heartbeat('quiet', t(2000));
      expect(replica).toEqual({ replicaId: 'quiet', registeredAt: t(0), heardAt: t(0), retiredAt: t(1000) });
      await store.replicas.acknowledge('quiet', [await commitOf(batch.id, batch.createdAt)], t(3000));
      const [candidate] = await store.retention.candidates(batch.countedAt, 10);
      expect(candidate?.acknowledgedBy).toEqual(new Set());
    });
  });

  describe(`${adapter}: exchange rates`, () => {
    const d = (text: string) => parseDay(text) as EpochDay;
    const rate = (currency: string, day: string, usdPerUnit: string) => ({ currency, day: d(day), usdPerUnit });

    it('answers stored rates in the order asked, undefined where none; providers never mix', async () => {
      expect(await store.exchangeRates.ratesFor('offline', [])).toEqual([]);
      expect(
        await store.exchangeRates.save(
          'offline',
          [
            rate('EUR', '2016-01-04', '1.0898'),
            rate('EUR', '2016-01-05', '1.0746'),
            rate('JPY', '2016-01-04', '0.008397287718'),
          ],
          'ecb-usd.csv sha256:abc',
        ),
      ).toBe(3);
      await store.exchangeRates.save('openexchangerates', [rate('EUR', '2016-01-04', '1.0877')], 'oxr');
      const asked = [
        { currency: 'JPY', day: d('2016-01-04') },
        { currency: 'EUR', day: d('2016-01-06') },
        { currency: 'EUR', day: d('2016-01-04') },
        { currency: 'GBP', day: d('2016-01-04') },
        { currency: 'EUR', day: d('2016-01-04') },
      ];
      expect(await store.exchangeRates.ratesFor('offline', asked)).toEqual([
        '0.008397287718',
        undefined,
        '1.0898',
        undefined,
        '1.0898',
      ]);
      expect(await store.exchangeRates.ratesFor('openexchangerates', asked)).toEqual([
        undefined,
        undefined,
        '1.0877',
        undefined,
        '1.0877',
      ]);
    });

    it('saves idempotently: the same rates again change nothing, a different rate replaces the stored one', async () => {
      const rates = [rate('EUR', '2016-01-04', '1.0898'), rate('GBP', '2016-01-04', '1.4764937')];
      expect(await store.exchangeRates.save('offline', rates, 'first')).toBe(2);
      expect(await store.exchangeRates.save('offline', rates, 'first')).toBe(0);
      expect(await store.exchangeRates.save('offline', [rate('EUR', '2016-01-04', '1.09')], 'second')).toBe(1);
      expect(await store.exchangeRates.ratesFor('offline', [{ currency: 'EUR', day: d('2016-01-04') }])).toEqual([
        '1.09',
      ]);
      expect(await store.exchangeRates.hasRatesFrom('offline', 'first')).toBe(true);
      expect(await store.exchangeRates.hasRatesFrom('offline', 'second')).toBe(true);
      expect(await store.exchangeRates.hasRatesFrom('offline', 'third')).toBe(false);
      expect(await store.exchangeRates.hasRatesFrom('openexchangerates', 'first')).toBe(false);
      expect(await store.exchangeRates.save('offline', [], 'nothing')).toBe(0);
    });

    it('tells each currency’s first and last day and how many days have a rate', async () => {
      expect(await store.exchangeRates.coverage('offline')).toEqual([]);
      await store.exchangeRates.save(
        'offline',
        [
          rate('JPY', '2016-01-05', '0.0084'),
          rate('EUR', '2016-01-05', '1.0746'),
          rate('EUR', '2015-12-31', '1.0887'),
          rate('EUR', '2016-01-04', '1.0898'),
        ],
        'test',
      );
      await store.exchangeRates.save('openexchangerates', [rate('CHF', '2016-01-04', '0.9986')], 'oxr');
      expect(await store.exchangeRates.coverage('offline')).toEqual([
        { currency: 'EUR', firstDay: d('2015-12-31'), lastDay: d('2016-01-05'), days: 3 },
        { currency: 'JPY', firstDay: d('2016-01-05'), lastDay: d('2016-01-05'), days: 1 },
      ]);
    });
  });

  describe(`${adapter}: change-feed backlog`, () => {
    it('counts every commit and retraction not yet followed, and the oldest one’s time', async () => {
      expect(await store.changeFeed.backlog(null)).toEqual({ changes: 0, oldestAt: null });
      const [a, b] = [sampleBatch(), sampleBatch()];
      await store.batches.record(a);
      await store.batches.record(b);
      await store.batches.retract(b.id, new Date(Date.UTC(2026, 5, 1)));
      expect(await store.changeFeed.backlog(null)).toEqual({ changes: 3, oldestAt: a.createdAt });
    });
  });

  const feedIt: jest.It = changeFeed.available ? it : it.skip;
  const feedTitle = (title: string) => (changeFeed.available ? title : `${title} (skipped: ${changeFeed.reason})`);

  describe(`${adapter}: change feed`, () => {
    feedIt(
      feedTitle('starts with every batch committed and retracted, then follows new changes in order'),
      async () => {
        const [a, b] = [sampleBatch(), sampleBatch()];
        await store.batches.record(a);
        await store.batches.record(b);
        const retractedAt = new Date(Date.UTC(2026, 5, 1));
        await store.batches.retract(b.id, retractedAt);

        const reader = await store.changeFeed.follow(null);
        try {
          const snapshot = await readChanges(reader, 3);
          // Within the start every change comes once and a retraction after its commit; across batches
          // adapters may order the start differently (commit log vs snapshot by creation time).
          expect([...summary(snapshot)].sort()).toEqual(
            [`committed ${a.id}`, `committed ${b.id}`, `retracted ${b.id}`].sort(),
          );
          expect(summary(snapshot).indexOf(`committed ${b.id}`)).toBeLessThan(
            summary(snapshot).indexOf(`retracted ${b.id}`),
          );
          expect(snapshot.find((c) => c.kind === 'committed' && c.batchId === a.id)?.at).toEqual(a.createdAt);
          expect(snapshot.find((c) => c.kind === 'retracted')?.at).toEqual(retractedAt);

          const c = sampleBatch();
          await store.batches.record(c);
          await store.batches.retract(a.id, new Date());
          await store.batches.retract(a.id, new Date());
          await store.batches.record({ ...c, id: randomUUID() });
          const d = sampleBatch();
          await store.batches.record(d);
          expect(summary(await readChanges(reader, 3))).toEqual([
            `committed ${c.id}`,
            `retracted ${a.id}`,
            `committed ${d.id}`,
          ]);
        } finally {
          await reader.close();
        }
      },
    );

    feedIt(feedTitle('puts a restored batch in the feed as committed again, once'), async () => {
      const batch = sampleBatch();
      await store.batches.record(batch);
      await store.batches.retract(batch.id, new Date());
      const reader = await store.changeFeed.follow(null);
      try {
        await readChanges(reader, 2);
        const restoredAt = new Date(Date.UTC(2026, 7, 1));
        await store.batches.restore(batch.id, restoredAt);
        await store.batches.restore(batch.id, new Date());
        const changes = await readChanges(reader, 1);
        expect(summary(changes)).toEqual([`committed ${batch.id}`]);
        expect(changes[0]?.at).toEqual(restoredAt);
      } finally {
        await reader.close();
      }
    });

    feedIt(feedTitle('follows from a position with exactly the changes after it'), async () => {
      const batches = [sampleBatch(), sampleBatch(), sampleBatch()];
      for (const batch of batches) await store.batches.record(batch);
      await store.batches.retract(batches[1]!.id, new Date());
      const first = await store.changeFeed.follow(null);
      let all: BatchChange[];
      try {
        all = await readChanges(first, 4);
        const e = sampleBatch();
        await store.batches.record(e);
        all.push(...(await readChanges(first, 1)));
      } finally {
        await first.close();
      }
      expect(all).toHaveLength(5);
      // From every position, including one inside the start and the start's last change.
      for (let i = 0; i < all.length; i++) {
        const reader = await store.changeFeed.follow(all[i]!.position);
        try {
          expect(summary(await readChanges(reader, all.length - 1 - i, 5000))).toEqual(summary(all.slice(i + 1)));
        } finally {
          await reader.close();
        }
      }
    });

    feedIt(feedTitle('waits up to waitMs when idle, answers [] then, and wakes for a change'), async () => {
      const reader = await store.changeFeed.follow(null);
      try {
        expect(await reader.next(10, 100)).toEqual([]);
        const started = Date.now();
        expect(await reader.next(10, 400)).toEqual([]);
        const waited = Date.now() - started;
        expect(waited).toBeGreaterThanOrEqual(350);
        expect(waited).toBeLessThan(3000);

        const batch = sampleBatch();
        const wake = Date.now();
        setTimeout(() => void store.batches.record(batch), 200);
        const changes = await reader.next(10, 8000);
        expect(summary(changes)).toEqual([`committed ${batch.id}`]);
        expect(Date.now() - wake).toBeLessThan(5000);
      } finally {
        await reader.close();
      }
    });

    feedIt(feedTitle('answers at most max changes per read'), async () => {
      const batches = [sampleBatch(), sampleBatch(), sampleBatch()];
      const reader = await store.changeFeed.follow(null);
      try {
        expect(await reader.next(10, 100)).toEqual([]);
        for (const batch of batches) await store.batches.record(batch);
        const firstTwo: BatchChange[] = [];
        await eventually(
          async () => {
            const changes = await reader.next(2 - firstTwo.length, 200);
            expect(changes.length).toBeLessThanOrEqual(2 - firstTwo.length);
            firstTwo.push(...changes);
            return firstTwo;
          },
          (read) => read.length >= 2,
          { what: 'the first two changes', timeoutMs: 10_000, intervalMs: 0 },
        );
        expect(summary([...firstTwo, ...(await readChanges(reader, 1))])).toEqual(
          batches.map((b) => `committed ${b.id}`),
        );
      } finally {
        await reader.close();
      }
    });

    feedIt(feedTitle('has no backlog once what was followed is marked replicated'), async () => {
      const batch = sampleBatch();
      await store.batches.record(batch);
      await store.batches.retract(batch.id, new Date());
      const reader = await store.changeFeed.follow(null);
      try {
        const changes = await readChanges(reader, 2);
        await store.batches.markReplicated(changes, new Date());
        const position = changes.at(-1)!.position;
        expect(await store.changeFeed.backlog(position)).toEqual({ changes: 0, oldestAt: null });
        const next = sampleBatch();
        await store.batches.record(next);
        expect(await store.changeFeed.backlog(position)).toEqual({ changes: 1, oldestAt: next.createdAt });
      } finally {
        await reader.close();
      }
    });
  });
}
