/**
 * The answer cache's freshness rule on the whole service (embedded chDB, in-process replicator): once
 * a batch's `replicatedAt` is set, the next request counts it, and once its retraction is marked, the
 * next request no longer does; with the cache in this process alone and shared through a real Redis,
 * which may stop answering at any moment without changing an answer.
 */
import { startTestService, type TestService } from '../../helpers/components';
import { startRedis, type RunningRedis } from '../../helpers/redis';
import { addOnePriceAndWaitUntilReplicated, untilReplicatedAtIsSet } from '../../helpers/service-batches';

const QUESTIONS = `{
  rates(origin: "CNSGH", destination: "NLRTM", dateFrom: "2016-01-01", dateTo: "2016-01-01") { day priceCount }
  laneStats(origin: "china_main", destination: "north_europe_main", dateFrom: "2016-01-01", dateTo: "2016-01-01", first: 200) {
    origin { code } destination { code } priceCount
  }
  rateSeries(origin: "CNSGH", destination: "NLRTM", dateFrom: "2016-01-01", dateTo: "2016-01-01", granularity: DAY) {
    periods { periodStart priceCount }
  }
}`;

interface Answers {
  rates: { day: string; priceCount: number }[];
  laneStats: { origin: { code: string }; destination: { code: string }; priceCount: number }[];
  rateSeries: { periods: { periodStart: string; priceCount: number }[] };
}

/** What the three answers count on 2016-01-01 from Shanghai to Rotterdam. */
function countsOnTheFirst(answers: Answers): [number, number, number] {
  return [
    answers.rates.find((d) => d.day === '2016-01-01')?.priceCount ?? 0,
    answers.laneStats.find((l) => l.origin.code === 'CNSGH' && l.destination.code === 'NLRTM')?.priceCount ?? 0,
    answers.rateSeries.periods.find((p) => p.periodStart === '2016-01-01')?.priceCount ?? 0,
  ];
}

async function ask(service: TestService): Promise<Answers> {
  const answer = await service.graphql<Answers>(QUESTIONS);
  expect(answer.errors).toBeUndefined();
  return answer.data!;
}

async function cacheOutcomes(service: TestService): Promise<Record<string, number>> {
  const text = await (await fetch(`${service.running.url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^rateline_answer_cache_requests_total\{outcome="(\w+)"\} (\d+)/gm)) {
    counts[match[1]!] = Number(match[2]);
  }
  return counts;
}

async function retractAndWaitUntilMarked(service: TestService, id: string): Promise<void> {
  const retracted = await service.graphql(`mutation($id: ID!) { retractBatch(id: $id) { status } }`, { id });
  expect(retracted.errors).toBeUndefined();
  await untilReplicatedAtIsSet(service, id);
}

/** Every answer is asked (and so cached) before each change, then asked right after it lands. */
async function expectEveryChangeCountedAtOnce(service: TestService): Promise<void> {
  const [before] = countsOnTheFirst(await ask(service));
  const counts = countsOnTheFirst(await ask(service));
  expect(counts).toEqual([before, before, before]);
  const ids: string[] = [];
  for (let round = 1; round <= 4; round++) {
    await ask(service);
    ids.push(await addOnePriceAndWaitUntilReplicated(service, '2016-01-01'));
    expect(countsOnTheFirst(await ask(service))).toEqual([before + round, before + round, before + round]);
  }
  for (const [done, id] of ids.entries()) {
    await ask(service);
    await retractAndWaitUntilMarked(service, id);
    const left = before + ids.length - done - 1;
    expect(countsOnTheFirst(await ask(service))).toEqual([left, left, left]);
  }
}

describe('the answer cache in this process', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ REPLICATION_FLUSH_INTERVAL_MS: '20' });
  });
  afterAll(() => service?.stop());

  it('answers repeated questions from the cache', async () => {
    await ask(service);
    const before = await cacheOutcomes(service);
    await ask(service);
    const after = await cacheOutcomes(service);
    // rates and laneStats read once each; rateSeries twice (its range, and the period before it for the first change).
    expect((after.hit ?? 0) - (before.hit ?? 0)).toBe(4);
    expect(after.miss).toBe(before.miss);
  });

  it('never serves an answer that misses a batch whose replicatedAt is set, or counts one whose retraction is', async () => {
    await expectEveryChangeCountedAtOnce(service);
  });
});

describe('the answer cache shared through Redis', () => {
  let redis: RunningRedis;
  let service: TestService;
  beforeAll(async () => {
    redis = await startRedis();
    service = await startTestService({ REPLICATION_FLUSH_INTERVAL_MS: '20', REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await service?.stop();
    await redis?.stop();
  });

  it('never serves a stale answer either', async () => {
    await expectEveryChangeCountedAtOnce(service);
  });

  it('changes no answer when Redis stops mid-test, and readiness stays', async () => {
    const shared = await ask(service);
    await redis.stop();
    const alone = await ask(service);
    expect(alone).toEqual(shared);
    expect((await service.get('/readyz')).status).toBe(200);
    await expectEveryChangeCountedAtOnce(service);
    const text = await (await fetch(`${service.running.url}/metrics`)).text();
    expect(text).toMatch(/^rateline_answer_cache_shared_up 0$/m);
  });
});

describe('ANSWER_CACHE=off', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ ANSWER_CACHE: 'off' });
  });
  afterAll(() => service?.stop());

  it('computes every answer: nothing goes through the cache', async () => {
    // The metrics are the process's: other services of this file counted before.
    const before = await cacheOutcomes(service);
    await ask(service);
    await ask(service);
    expect(await cacheOutcomes(service)).toEqual(before);
  });
});
