/**
 * Rate sheets as files (issue 16, part 3): POST /batches with CSV and NDJSON bodies against the real
 * service (SQLite, chDB, the in-process worker and replicator), and GET /batches/:id. Every expected
 * number is computed here from the sheet's own rows; what counts is read back through GraphQL `rates`.
 */
import http from 'node:http';
import { apiKeysSetting, startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { COUNTED_PER_DAY, countedDays, daySheet, daysFrom, tally } from '../../helpers/rate-sheets';
import { untilReplicatedAtIsSet } from '../../helpers/service-batches';

const KEYS = { supplierA: 'rl_sheet-supplier-a', supplierB: 'rl_sheet-supplier-b', reader: 'rl_sheet-reader' };
type KeyName = keyof typeof KEYS;
const ROLES: Record<KeyName, string> = { supplierA: 'read+ingest', supplierB: 'ingest', reader: 'read' };
const as = (name: KeyName) => ({ authorization: `Bearer ${KEYS[name]}` });

/** Low, so that a sheet can pass it; above the 25,000-item sheets of the retry tests. */
const MAX_CHUNKED_BATCH_ITEMS = 30_000;

let service: TestService;

beforeAll(async () => {
  service = await startTestService({
    API_KEYS: apiKeysSetting(KEYS, ROLES),
    MAX_CHUNKED_BATCH_ITEMS: String(MAX_CHUNKED_BATCH_ITEMS),
    REPLICATION_FLUSH_INTERVAL_MS: '20',
    WORKER_POLL_INTERVAL_MS: '50',
  });
});
afterAll(() => service.stop());

interface ItemErrorJson {
  index: number;
  field: string;
  code: string;
  message: string;
  line: number | null;
}
/** The fields of the batch JSON the tests read. */
interface BatchJson {
  id: string;
  owner: string | null;
  status: string;
  itemCount: number;
  acceptedCount: number;
  errors: ItemErrorJson[];
}
interface ErrorJson {
  error: { code: string; message: string; field?: string; value?: unknown };
}

async function post(
  body: string,
  { query = '', headers = {} }: { query?: string; headers?: Record<string, string> },
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${service.running.url}/batches${query}`, { method: 'POST', headers, body });
  return { status: response.status, json: await response.json() };
}

const csv = (key: string, body: string, name: KeyName = 'supplierA', query = '') =>
  post(body, {
    query: `?idempotencyKey=${encodeURIComponent(key)}${query}`,
    headers: { 'content-type': 'text/csv', ...as(name) },
  });

async function batchOf(id: string, name: KeyName = 'supplierA'): Promise<BatchJson> {
  return (await service.get(`/batches/${id}`, as(name))).body as BatchJson;
}

async function settled(id: string): Promise<BatchJson> {
  const batch = await eventually(
    () => batchOf(id),
    (b) => b.status === 'ACCEPTED' || b.status === 'REJECTED',
    { what: `batch ${id} settled`, timeoutMs: 20_000 },
  );
  await untilReplicatedAtIsSet(service, id, as('supplierA'));
  return batch;
}

/** Prices counted per day on a lane, as `rates` answers with minPrices 1. */
async function countedPerDay(
  origin: string,
  destination: string,
  from: string,
  to: string,
): Promise<Map<string, number>> {
  const answer = await service.graphql<{ rates: { day: string; priceCount: number }[] }>(
    COUNTED_PER_DAY,
    { o: origin, d: destination, f: from, t: to },
    as('reader'),
  );
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return countedDays(answer.data.rates);
}

/** The statuses of supplier A's batches under `key` (one, unless a key were used twice). */
async function statusesOfKey(key: string): Promise<string[]> {
  const answer = await service.graphql<{ batches: { nodes: { idempotencyKey: string; status: string }[] } }>(
    '{ batches(first: 100) { nodes { idempotencyKey status } } }',
    undefined,
    as('supplierA'),
  );
  return (answer.data?.batches.nodes ?? []).filter((b) => b.idempotencyKey === key).map((b) => b.status);
}

/** Uploads and waits for a one-line sheet: anything sent before it that would count, counts by then. */
async function untilASheetCounts(): Promise<void> {
  const { text } = daySheet('CNSGH', 'IEDUB', 1);
  await settled(((await csv(`later-${Date.now()}`, text)).json as BatchJson).id);
}

describe('a CSV sheet', () => {
  it('counts every day row and every day of every range once replicated', async () => {
    // Columns in another order and case, CRLF line ends, all three day columns: each row one kind.
    const rows = [
      { day: '2041-03-01', price: '1350.50' },
      { from: '2041-03-01', to: '2041-03-10', price: '1200' },
      { day: '2041-03-05', price: '990' },
      { from: '2041-02-27', to: '2041-03-02', price: '1100.25' },
      { day: '2041-03-31', price: '1010' },
    ];
    const text =
      'Price,DESTINATION,origin,date_from,date_to,day,currency\r\n' +
      rows.map((r) => `${r.price},NLRTM,CNSGH,${r.from ?? ''},${r.to ?? ''},${r.day ?? ''},USD`).join('\r\n') +
      '\r\n';
    const expectedDays = rows.flatMap((r) => (r.day ? [r.day] : daysFrom(r.from as string, r.to as string)));

    const answer = await csv('csv-days-and-ranges', text);
    expect(answer.status).toBe(202);
    const committed = answer.json as BatchJson;
    expect(committed).toMatchObject({ status: 'COMMITTED', itemCount: expectedDays.length, owner: 'supplierA' });
    const batch = await settled(committed.id);
    expect(batch).toMatchObject({ status: 'ACCEPTED', acceptedCount: expectedDays.length, errors: [] });
    expect(await countedPerDay('CNSGH', 'NLRTM', '2041-02-01', '2041-04-30')).toEqual(tally(expectedDays));
  });

  it('rejects the whole sheet for one bad line without skipInvalid, naming every bad line', async () => {
    const text = [
      'origin,destination,day,price,currency',
      'CNSGH,GBTIL,2042-05-01,1000,USD',
      'CNSGH,XXXXX,2042-05-02,1000,USD',
      'CNSGH,GBTIL,2042-05-03,abc,USD',
      'CNSGH,GBTIL,2042-05-04',
      'CNSGH,GBTIL,2042-05-05,-5,USD',
      'CNSGH,GBTIL,2042-05-06,1000,USD',
    ].join('\n');
    const answer = await csv('csv-bad-lines-refused', text);
    expect(answer.status).toBe(202);
    const batch = await eventually(
      () => batchOf((answer.json as BatchJson).id),
      (b) => b.status === 'REJECTED',
      { what: 'the sheet rejected', timeoutMs: 20_000 },
    );
    expect(batch.acceptedCount).toBe(0);
    expect(batch.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [3, 'destinationCode', 'UNKNOWN_LOCATION'],
      [4, 'price', 'BAD_USER_INPUT'],
      [5, 'line', 'BAD_USER_INPUT'],
      [6, 'price', 'BAD_USER_INPUT'],
    ]);
    // GraphQL names the same lines.
    const graphql = await service.graphql<{ batch: { errors: { line: number | null }[] } }>(
      'query($id: ID!) { batch(id: $id) { errors { line } } }',
      { id: batch.id },
      as('supplierA'),
    );
    expect(graphql.data?.batch.errors.map((e) => e.line)).toEqual([3, 4, 5, 6]);
    expect(await countedPerDay('CNSGH', 'GBTIL', '2042-05-01', '2042-05-31')).toEqual(new Map());
  });

  it('takes the good lines with skipInvalid and lists the bad ones with their lines', async () => {
    const text = [
      'origin,destination,date_from,date_to,price',
      'CNSGH,DEWVN,2042-06-01,2042-06-03,1000',
      'CNSGH,DEWVN,2042-06-05,2042-06-04,1000',
      'CNSGH,DEWVN,2042-06-10,2042-06-10,1000',
      'CNSGH,DEWVN,2042-06-11,,1000',
      'CNSGH,DEWVN,2042-06-20,2042-06-21,1000',
    ].join('\n');
    const answer = await csv('csv-bad-lines-skipped', text, 'supplierA', '&skipInvalid=true');
    expect(answer.status).toBe(202);
    const good = [...daysFrom('2042-06-01', '2042-06-03'), '2042-06-10', ...daysFrom('2042-06-20', '2042-06-21')];
    const batch = await settled((answer.json as BatchJson).id);
    expect(batch).toMatchObject({ status: 'ACCEPTED', skipInvalid: true, acceptedCount: good.length, errorCount: 2 });
    expect(batch.errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'dateTo'],
      [5, 'dateTo'],
    ]);
    expect(await countedPerDay('CNSGH', 'DEWVN', '2042-06-01', '2042-06-30')).toEqual(tally(good));
  });
});

describe('a sheet’s container types and contract terms', () => {
  /** Prices counted per day on CNSGH → DKAAR in a month of 2044 (June unless given), filtered as given. */
  async function countedUnder(filter: { containerTypes?: string[]; contractTerm?: string }, month = '06') {
    const answer = await service.graphql<{ rates: { day: string; priceCount: number }[] }>(
      `query($types: [String!], $term: ContractTerm, $f: Date!, $t: Date!) {
        rates(origin: "CNSGH", destination: "DKAAR", dateFrom: $f, dateTo: $t, minPrices: 1,
              containerTypes: $types, contractTerm: $term) { day priceCount } }`,
      { types: filter.containerTypes, term: filter.contractTerm, f: `2044-${month}-01`, t: `2044-${month}-28` },
      as('reader'),
    );
    if (!answer.data) throw new Error(JSON.stringify(answer.errors));
    return countedDays(answer.data.rates);
  }

  it('reads container_type and contract_term columns per line, the stated term over the range’s validity', async () => {
    const text =
      'origin,destination,day,date_from,date_to,price,container_type,contract_term\n' +
      'CNSGH,DKAAR,2044-06-01,,,1500,40HQ,LONG_TERM\n' + // the alias reads as 40HC
      'CNSGH,DKAAR,2044-06-01,,,900,20dc,\n' + // a single day implies no term
      'CNSGH,DKAAR,,2044-06-01,2044-06-03,1000,40HC,\n' + // 3 days of validity: short
      'CNSGH,DKAAR,,2044-06-02,2044-06-03,1100,,LONG_TERM\n' + // stated: long, whatever the validity
      'CNSGH,DKAAR,2044-06-04,,,1200,,\n' + // unspecified
      'CNSGH,DKAAR,2044-06-04,,,1200,45XX,\n' + // line 7: an unknown code
      'CNSGH,DKAAR,2044-06-04,,,1200,,YEARLY\n'; // line 8: an unknown term
    const answer = await csv('csv-dimensions', text, 'supplierA', '&skipInvalid=true');
    expect(answer.status).toBe(202);
    const batch = await settled((answer.json as BatchJson).id);
    expect(batch).toMatchObject({ status: 'ACCEPTED', acceptedCount: 8 });
    expect(batch.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [7, 'containerType', 'BAD_USER_INPUT'],
      [8, 'contractTerm', 'BAD_USER_INPUT'],
    ]);

    expect(await countedUnder({})).toEqual(
      tally([
        '2044-06-01',
        '2044-06-01',
        ...daysFrom('2044-06-01', '2044-06-03'),
        '2044-06-02',
        '2044-06-03',
        '2044-06-04',
      ]),
    );
    expect(await countedUnder({ containerTypes: ['40HC'] })).toEqual(
      tally(['2044-06-01', ...daysFrom('2044-06-01', '2044-06-03')]),
    );
    expect(await countedUnder({ containerTypes: ['20GP'] })).toEqual(tally(['2044-06-01']));
    expect(await countedUnder({ contractTerm: 'LONG_TERM' })).toEqual(
      tally(['2044-06-01', '2044-06-02', '2044-06-03']),
    );
    expect(await countedUnder({ contractTerm: 'SHORT_TERM' })).toEqual(tally(daysFrom('2044-06-01', '2044-06-03')));
    expect(await countedUnder({ containerTypes: ['40HC'], contractTerm: 'SHORT_TERM' })).toEqual(
      tally(daysFrom('2044-06-01', '2044-06-03')),
    );
  });

  it('reads containerType and contractTerm from NDJSON objects', async () => {
    const lane = { originCode: 'CNSGH', destinationCode: 'DKAAR' };
    const lines = [
      { ...lane, day: '2044-07-20', price: 1500, containerType: '40RH', contractTerm: 'SHORT_TERM' },
      { ...lane, day: '2044-07-20', price: 1400, containerType: '40RH' },
      { ...lane, day: '2044-07-21', price: 1300 },
    ].map((o) => JSON.stringify(o));
    const answer = await post(lines.join('\n'), {
      headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'ndjson-dimensions', ...as('supplierA') },
    });
    expect(answer.status).toBe(202);
    expect(await settled((answer.json as BatchJson).id)).toMatchObject({ status: 'ACCEPTED', acceptedCount: 3 });
    expect(await countedUnder({ containerTypes: ['40RH'] }, '07')).toEqual(tally(['2044-07-20', '2044-07-20']));
    expect(await countedUnder({ containerTypes: ['40RH'], contractTerm: 'SHORT_TERM' }, '07')).toEqual(
      tally(['2044-07-20']),
    );
    expect(await countedUnder({}, '07')).toEqual(tally(['2044-07-20', '2044-07-20', '2044-07-21']));
  });
});

describe('an NDJSON sheet', () => {
  it('counts its objects, days and ranges, blank lines ignored, skipInvalid from the header', async () => {
    const objects = [
      { originCode: 'CNSGH', destinationCode: 'FRDKK', day: '2043-01-02', price: 800 },
      { originCode: 'CNSGH', destinationCode: 'FRDKK', dateFrom: '2043-01-01', dateTo: '2043-01-05', price: 810.5 },
      { originCode: 'CNSGH', destinationCode: 'FRDKK', day: '2043-01-03', price: 750, currency: 'USD' },
    ];
    const lines = [
      JSON.stringify(objects[0]),
      '',
      JSON.stringify(objects[1]),
      '{"originCode": "CNSGH", "destinationCode": "FRDKK", "day": "2043-01-04", "price": 1000, "colour": "red"}',
      'not json',
      '   ',
      JSON.stringify(objects[2]),
    ];
    const answer = await post(lines.join('\n'), {
      headers: {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'idempotency-key': 'ndjson-sheet',
        'rateline-skip-invalid': 'true',
        ...as('supplierA'),
      },
    });
    expect(answer.status).toBe(202);
    const good = ['2043-01-02', ...daysFrom('2043-01-01', '2043-01-05'), '2043-01-03'];
    const batch = await settled((answer.json as BatchJson).id);
    expect(batch).toMatchObject({ status: 'ACCEPTED', acceptedCount: good.length, errorCount: 2 });
    expect(batch.errors.map((e) => [e.line, e.field])).toEqual([
      [4, 'colour'],
      [5, 'line'],
    ]);
    expect(await countedPerDay('CNSGH', 'FRDKK', '2043-01-01', '2043-01-31')).toEqual(tally(good));
  });
});

describe('requests refused before any batch is opened', () => {
  async function supplierBBatchCount(): Promise<number> {
    const answer = await service.graphql<{ batches: { nodes: unknown[] } }>(
      '{ batches(first: 100) { nodes { id } } }',
      undefined,
      as('supplierB'),
    );
    return answer.data?.batches.nodes.length ?? Number.NaN;
  }
  const sheet = 'origin,destination,day,price\nCNSGH,NLRTM,2045-01-01,1000\n';

  it('answers 400 without an idempotency key, or with two different ones', async () => {
    const before = await supplierBBatchCount();
    const missing = await post(sheet, { headers: { 'content-type': 'text/csv', ...as('supplierB') } });
    expect(missing.status).toBe(400);
    expect((missing.json as ErrorJson).error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    expect((missing.json as ErrorJson).error.message).toContain('Idempotency-Key');
    const twice = await post(sheet, {
      query: '?idempotencyKey=one',
      headers: { 'content-type': 'text/csv', 'idempotency-key': 'two', ...as('supplierB') },
    });
    expect(twice.status).toBe(400);
    expect((twice.json as ErrorJson).error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    const badSkip = await csv('bad-skip', sheet, 'supplierB', '&skipInvalid=maybe');
    expect((badSkip.json as ErrorJson).error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'skipInvalid' });
    expect(await supplierBBatchCount()).toBe(before);
  });

  it('answers 415 naming the accepted types for another media type or charset', async () => {
    const before = await supplierBBatchCount();
    for (const type of ['text/plain', 'application/json', 'text/csv; charset=iso-8859-1', undefined]) {
      const answer = await post(sheet, {
        query: '?idempotencyKey=media',
        headers: { ...(type && { 'content-type': type }), ...as('supplierB') },
      });
      expect([type, answer.status]).toEqual([type, 415]);
      const { error } = answer.json as ErrorJson;
      expect(error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(error.message).toContain('text/csv or application/x-ndjson');
    }
    expect(await supplierBBatchCount()).toBe(before);
  });

  it('answers 400 for a header with an unknown or missing column, and for a sheet without rows', async () => {
    const before = await supplierBBatchCount();
    const cases: [string, string][] = [
      ['origin,destination,day,price,colour\nCNSGH,NLRTM,2045-01-01,1000,red\n', 'colour'],
      ['origin,destination,day\nCNSGH,NLRTM,2045-01-01\n', 'price'],
      ['origin,destination,price,date_from\nCNSGH,NLRTM,1000,2045-01-01\n', 'day'],
      ['origin,origin,destination,day,price\n', 'twice'],
      ['origin,destination,day,price\n', 'no row'],
      ['', 'no row'],
    ];
    for (const [text, named] of cases) {
      const answer = await csv('header-errors', text, 'supplierB');
      expect([named, answer.status]).toEqual([named, 400]);
      expect((answer.json as ErrorJson).error.code).toBe('BAD_USER_INPUT');
      expect((answer.json as ErrorJson).error.message).toContain(named);
    }
    const emptyNdjson = await post('\n\n', {
      query: '?idempotencyKey=empty-ndjson',
      headers: { 'content-type': 'application/x-ndjson', ...as('supplierB') },
    });
    expect((emptyNdjson.json as ErrorJson).error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
    expect(await supplierBBatchCount()).toBe(before);
  });

  it('needs an ingest key to upload; reads another supplier’s batch as none', async () => {
    const noKey = await post(sheet, { query: '?idempotencyKey=auth', headers: { 'content-type': 'text/csv' } });
    expect([noKey.status, (noKey.json as ErrorJson).error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const reader = await csv('auth', sheet, 'reader');
    expect([reader.status, (reader.json as ErrorJson).error.code]).toEqual([403, 'FORBIDDEN']);
    const wrongKey = await post(sheet, {
      query: '?idempotencyKey=auth',
      headers: { 'content-type': 'text/csv', authorization: 'Bearer rl_no-such-key' },
    });
    expect(wrongKey.status).toBe(401);

    const mine = (await csv('auth-owned', sheet, 'supplierB')).json as BatchJson;
    expect(mine.owner).toBe('supplierB');
    const seen = await service.get(`/batches/${mine.id}`, as('supplierB'));
    expect([seen.status, (seen.body as BatchJson).id]).toEqual([200, mine.id]);
    const other = await service.get(`/batches/${mine.id}`, as('supplierA'));
    const unknown = await service.get('/batches/00000000-0000-4000-8000-000000000000', as('supplierA'));
    expect([other.status, (other.body as ErrorJson).error.code]).toEqual([404, 'NOT_FOUND']);
    expect((other.body as ErrorJson).error.message).toBe(
      (unknown.body as ErrorJson).error.message.replace('00000000-0000-4000-8000-000000000000', mine.id),
    );
    const graphql = await service.graphql(
      'query($id: ID!) { batch(id: $id) { id } }',
      { id: mine.id },
      as('supplierA'),
    );
    expect(graphql.data).toEqual({ batch: null });
    const byReader = await service.get(`/batches/${mine.id}`, as('reader'));
    expect([byReader.status, (byReader.body as ErrorJson).error.code]).toEqual([403, 'FORBIDDEN']);

    const put = await fetch(`${service.running.url}/batches`, { method: 'PUT', headers: as('supplierB') });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'POST']);
  });
});

describe('a sheet the parser cannot read further', () => {
  it('answers 400 naming the line, aborts its batch and counts nothing', async () => {
    // Rows enough for the batch to be opened and given chunks before the parser meets the long line.
    const text = `${daySheet('CNSGH', 'GBLTP', 20_000).text}CNSGH,GBLTP,2044-07-02,"${'9'.repeat(5000)}"\n`;
    const answer = await csv('unreadable-file', text);
    expect(answer.status).toBe(400);
    const { error } = answer.json as ErrorJson;
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('at line 20002');
    expect(await statusesOfKey('unreadable-file')).toEqual(['ABORTED']);
    await untilASheetCounts();
    expect(await countedPerDay('CNSGH', 'GBLTP', '2044-01-01', '2044-12-31')).toEqual(new Map());
  });
});

describe('the size of a sheet and retries', () => {
  it('answers 413 for a sheet over MAX_CHUNKED_BATCH_ITEMS, aborts its batch, and counts nothing', async () => {
    const { text } = daySheet('CNSGH', 'FRBAS', MAX_CHUNKED_BATCH_ITEMS + 1);
    const answer = await csv('too-large', text);
    expect(answer.status).toBe(413);
    expect((answer.json as ErrorJson).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await statusesOfKey('too-large')).toEqual(['ABORTED']);
    await untilASheetCounts();
    expect(await countedPerDay('CNSGH', 'FRBAS', '2044-01-01', '2044-12-31')).toEqual(new Map());
  });

  it('completes a sheet whose client went away mid-body once it is sent again with the same key', async () => {
    const { text, days } = daySheet('CNSGH', 'NLMOE', 25_000);
    const key = 'client-went-away';
    // Send a part of the body, more than the first chunk, then break the connection off.
    const request = http.request(`${service.running.url}/batches?idempotencyKey=${key}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'transfer-encoding': 'chunked', ...as('supplierA') },
    });
    request.on('error', () => undefined);
    request.write(text.slice(0, Math.floor(text.length * 0.6)));
    const open = await eventually(
      () =>
        service.graphql<{ batches: { nodes: { id: string; idempotencyKey: string; chunkCount: number }[] } }>(
          '{ batches(first: 100) { nodes { id idempotencyKey chunkCount } } }',
          undefined,
          as('supplierA'),
        ),
      (answer) => (answer.data?.batches.nodes.find((b) => b.idempotencyKey === key)?.chunkCount ?? 0) >= 1,
      { what: 'the first chunk of the interrupted sheet appended', timeoutMs: 20_000 },
    );
    const id = open.data?.batches.nodes.find((b) => b.idempotencyKey === key)?.id as string;
    request.destroy();
    const left = await eventually(
      () => batchOf(id),
      (b) => b.status === 'OPEN',
      { what: 'the interrupted batch OPEN', timeoutMs: 5_000 },
    );
    expect(left.itemCount).toBeLessThan(days.length);

    const retried = await csv(key, text);
    expect([retried.status, (retried.json as BatchJson).id, (retried.json as BatchJson).status]).toEqual([
      202,
      id,
      'COMMITTED',
    ]);
    const batch = await settled(id);
    expect(batch).toMatchObject({ status: 'ACCEPTED', itemCount: days.length, acceptedCount: days.length });
    expect(await countedPerDay('CNSGH', 'NLMOE', '2044-01-01', '2044-12-31')).toEqual(tally(days));

    // Once committed, the key names that upload: sending again answers the batch and adds nothing.
    const again = await csv(key, text);
    expect([again.status, (again.json as BatchJson).id]).toEqual([202, id]);
    const otherFile = await csv(key, daySheet('CNSGH', 'NLMOE', 3).text);
    expect((otherFile.json as BatchJson).id).toBe(id);
    await untilReplicatedAtIsSet(service, id, as('supplierA'));
    expect(await countedPerDay('CNSGH', 'NLMOE', '2044-01-01', '2044-12-31')).toEqual(tally(days));
    // The same key with another skipInvalid is another request: refused, as for GraphQL batches.
    const otherSkip = await csv(key, text, 'supplierA', '&skipInvalid=true');
    expect([otherSkip.status, (otherSkip.json as ErrorJson).error.code]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);
  });
});
