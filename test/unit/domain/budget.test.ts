import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBudget } from '../../../src/domain/budget';
import { RatelineError } from '../../../src/domain/errors';

describe('startBudget', () => {
  it('fires with QUERY_TIMEOUT, naming the budget, once its time ran out', async () => {
    const running = startBudget(20);
    expect(running.budget.signal.aborted).toBe(false);
    await once(running.budget.signal, 'abort');
    const reason: unknown = running.budget.signal.reason;
    expect(reason).toBeInstanceOf(RatelineError);
    expect(reason).toMatchObject({ code: 'QUERY_TIMEOUT', message: expect.stringContaining('20 ms') });
  });

  it('never fires once the request was answered', async () => {
    const running = startBudget(20);
    running.finish();
    await sleep(60);
    expect(running.budget.signal.aborted).toBe(false);
  });

  it('fires at once with CLIENT_CLOSED_REQUEST when the client went away, and not again later', async () => {
    const running = startBudget(20);
    running.abandon();
    expect(running.budget.signal.reason).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
    await sleep(60);
    expect(running.budget.signal.reason).toMatchObject({ code: 'CLIENT_CLOSED_REQUEST' });
  });

  it('carries its deadline and length for the adapter', () => {
    const before = Date.now();
    const { budget } = startBudget(5_000);
    expect(budget.timeoutMs).toBe(5_000);
    expect(budget.deadline).toBeGreaterThanOrEqual(before + 5_000);
    expect(budget.deadline).toBeLessThanOrEqual(Date.now() + 5_000);
  });
});
