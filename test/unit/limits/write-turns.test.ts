import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimitedError, WriteTurns, type EndTurn } from '../../../src/limits';
import { RatelineError } from '../../../src/domain/errors';

/** Turns whose refusals and waits are recorded. */
function turns(options: { concurrent: number; queuedPerCaller?: number; maxWaitMs?: number }) {
  const refused: string[] = [];
  const waits: number[] = [];
  const writeTurns = new WriteTurns(
    {
      concurrent: options.concurrent,
      queuedPerCaller: options.queuedPerCaller ?? 10,
      maxWaitMs: options.maxWaitMs ?? 60_000,
    },
    { refused: (limit) => refused.push(limit), started: (waitedMs) => waits.push(waitedMs) },
  );
  return { writeTurns, refused, waits };
}

/** Takes a turn and notes, under `name`, the order in which turns are granted. */
function request(writeTurns: WriteTurns, granted: string[], caller: string, name: string): Promise<EndTurn> {
  return writeTurns.take(caller).then((end) => {
    granted.push(name);
    return end;
  });
}

/** Lets granted turns' callbacks run. */
const settle = () => sleep(1);

describe('WriteTurns', () => {
  it('lets `concurrent` writes work at once, and the next one once one of them ends (once per end)', async () => {
    const { writeTurns, waits } = turns({ concurrent: 2 });
    const granted: string[] = [];
    const first = await request(writeTurns, granted, 'key:a', 'a1');
    await request(writeTurns, granted, 'key:b', 'b1');
    const third = request(writeTurns, granted, 'key:c', 'c1');
    await settle();
    expect(granted).toEqual(['a1', 'b1']);
    expect(writeTurns.waiting).toBe(1);
    first();
    first();
    await third;
    expect(granted).toEqual(['a1', 'b1', 'c1']);
    // Ending a turn twice freed one turn, not two: a fourth write waits.
    const fourth = request(writeTurns, granted, 'key:d', 'd1');
    await settle();
    expect(granted).toEqual(['a1', 'b1', 'c1']);
    expect(writeTurns.waiting).toBe(1);
    (await third)();
    await fourth;
    expect(waits.slice(0, 2)).toEqual([0, 0]);
  });

  it('gives the callers in line one turn each in turn, so that a busy caller does not keep another waiting', async () => {
    const { writeTurns } = turns({ concurrent: 1 });
    const granted: string[] = [];
    const ends = new Map<string, Promise<EndTurn>>();
    ends.set('a0', request(writeTurns, granted, 'key:a', 'a0'));
    for (const name of ['a1', 'a2', 'a3']) ends.set(name, request(writeTurns, granted, 'key:a', name));
    ends.set('b1', request(writeTurns, granted, 'key:b', 'b1'));
    ends.set('b2', request(writeTurns, granted, 'key:b', 'b2'));
    for (let i = 0; i < 6; i += 1) {
      await settle();
      const last = granted.at(-1) as string;
      (await (ends.get(last) as Promise<EndTurn>))();
    }
    // First come first served would be a0 a1 a2 a3 b1 b2: b1 would wait behind all of a's writes.
    expect(granted).toEqual(['a0', 'a1', 'b1', 'a2', 'b2', 'a3']);
  });

  it("refuses a caller's write at once when its line is full (RATE_LIMITED, Retry-After), and no other caller", async () => {
    const { writeTurns, refused } = turns({ concurrent: 1, queuedPerCaller: 2 });
    const granted: string[] = [];
    const inWork = await request(writeTurns, granted, 'key:a', 'a0');
    const waiting = [request(writeTurns, granted, 'key:a', 'a1'), request(writeTurns, granted, 'key:a', 'a2')];
    const error = await writeTurns.take('key:a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', limit: 'WRITE_QUEUE_PER_CALLER', retryAfterSeconds: 1 });
    expect(refused).toEqual(['WRITE_QUEUE_PER_CALLER']);
    const other = request(writeTurns, granted, 'key:b', 'b1');
    expect(writeTurns.waiting).toBe(3);
    inWork();
    ((await waiting[0]) as EndTurn)();
    (await other)();
    ((await waiting[1]) as EndTurn)();
    expect(granted).toEqual(['a0', 'a1', 'b1', 'a2']);
  });

  it('refuses a write that waited WRITE_QUEUE_TIMEOUT_MS (SERVICE_SATURATED, Retry-After) and takes it out of line', async () => {
    const { writeTurns, refused } = turns({ concurrent: 1, maxWaitMs: 50 });
    const granted: string[] = [];
    const inWork = await request(writeTurns, granted, 'key:a', 'a0');
    const error = await writeTurns.take('key:b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RatelineError);
    expect(error).toMatchObject({ code: 'SERVICE_SATURATED', details: { retryAfterSeconds: 5 } });
    expect((error as RatelineError).message).toContain('WRITE_QUEUE_TIMEOUT_MS');
    expect(refused).toEqual(['WRITE_QUEUE_TIMEOUT_MS']);
    expect(writeTurns.waiting).toBe(0);
    // The refused write holds no place: the next one gets the turn that frees.
    const next = request(writeTurns, granted, 'key:c', 'c1');
    inWork();
    (await next)();
    expect(granted).toEqual(['a0', 'c1']);
  });

  it('takes a write whose client left out of line, with the signal’s reason', async () => {
    const { writeTurns } = turns({ concurrent: 1 });
    const granted: string[] = [];
    const inWork = await request(writeTurns, granted, 'key:a', 'a0');
    const left = new AbortController();
    const abandoned = writeTurns.take('key:b', left.signal).catch((e: unknown) => e);
    const next = request(writeTurns, granted, 'key:c', 'c1');
    left.abort(new Error('client left'));
    expect(await abandoned).toMatchObject({ message: 'client left' });
    expect(writeTurns.waiting).toBe(1);
    inWork();
    (await next)();
    expect(granted).toEqual(['a0', 'c1']);
  });
});
