import { QueryLine } from '../../../../../src/stores/analytics/clickhouse/query-line';

/** A piece of work the test finishes by hand, recording when it started. */
function manualWork(log: string[], name: string) {
  let finish!: (value: string) => void;
  const done = new Promise<string>((resolve) => {
    finish = resolve;
  });
  return {
    work: () => {
      log.push(`start ${name}`);
      return done;
    },
    finish: () => finish(name),
  };
}

const never = new AbortController().signal;
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('QueryLine', () => {
  it('runs at most `concurrency` at once, the others first come, first served', async () => {
    const log: string[] = [];
    const line = new QueryLine(1, 1_000);
    const [a, b, c] = ['a', 'b', 'c'].map((n) => manualWork(log, n));
    const answers = [line.run(never, a!.work), line.run(never, b!.work), line.run(never, c!.work)];
    await flush();
    expect(log).toEqual(['start a']);
    a!.finish();
    await flush();
    expect(log).toEqual(['start a', 'start b']);
    b!.finish();
    c!.finish();
    expect(await Promise.all(answers)).toEqual(['a', 'b', 'c']);
  });

  it('drops a waiting read whose signal fires: it rejects with the reason and never starts', async () => {
    const log: string[] = [];
    const line = new QueryLine(1, 1_000);
    const a = manualWork(log, 'a');
    const b = manualWork(log, 'b');
    const request = new AbortController();
    const running = line.run(never, a.work);
    const waiting = line.run(request.signal, b.work);
    request.abort(new Error('budget spent'));
    await expect(waiting).rejects.toThrow('budget spent');
    a.finish();
    await running;
    await flush();
    expect(log).toEqual(['start a']);
  });

  it('answers a running read at once when its signal fires, but keeps its place until the work settles', async () => {
    const log: string[] = [];
    const line = new QueryLine(1, 1_000);
    const a = manualWork(log, 'a');
    const b = manualWork(log, 'b');
    const request = new AbortController();
    const running = line.run(request.signal, a.work);
    const next = line.run(never, b.work);
    await flush();
    request.abort(new Error('client left'));
    await expect(running).rejects.toThrow('client left');
    await flush();
    expect(log).toEqual(['start a']);
    a.finish();
    await flush();
    expect(log).toEqual(['start a', 'start b']);
    b.finish();
    expect(await next).toBe('b');
  });

  it('refuses at once a read whose signal has already fired', async () => {
    const request = new AbortController();
    request.abort(new Error('already spent'));
    const log: string[] = [];
    await expect(new QueryLine(1, 1_000).run(request.signal, manualWork(log, 'a').work)).rejects.toThrow(
      'already spent',
    );
    expect(log).toEqual([]);
  });

  it('is saturated while a read waits longer than the threshold, and for the threshold after one gave up', async () => {
    const log: string[] = [];
    const line = new QueryLine(1, 100);
    const a = manualWork(log, 'a');
    const running = line.run(never, a.work);
    const request = new AbortController();
    const waiting = line.run(request.signal, manualWork(log, 'b').work).catch(() => 'gave up');
    const now = Date.now();
    expect(line.saturation(now)).toBeUndefined();
    expect(line.saturation(now + 150)).toMatchObject({ waiting: 1, lastGaveUpMsAgo: undefined });
    request.abort(new Error('budget spent'));
    expect(await waiting).toBe('gave up');
    const gaveUp = Date.now();
    expect(line.saturation(gaveUp + 50)).toMatchObject({ waiting: 0, oldestWaitMs: 0 });
    expect(line.saturation(gaveUp + 150)).toBeUndefined();
    a.finish();
    await running;
  });
});

describe('QueryLine between requests', () => {
  it('serves waiting requests in turns: a small request is not kept behind all reads of a large one', async () => {
    const log: string[] = [];
    const line = new QueryLine(1, 1_000);
    const large = new AbortController().signal;
    const small = new AbortController().signal;
    const works = ['L1', 'L2', 'L3', 'L4', 'S1'].map((n) => manualWork(log, n));
    const answers = [...works.slice(0, 4).map((w) => line.run(large, w.work)), line.run(small, works[4]!.work)];
    for (const w of works.slice(0, 4)) w.finish();
    works[4]!.finish();
    await Promise.all(answers);
    expect(log).toEqual(['start L1', 'start L2', 'start S1', 'start L3', 'start L4']);
  });
});
