import { RateLimitedError, WebSocketLimits } from '../../../src/limits';
import { RateLimit } from '../../../src/limits/rate';
import { RequestLimits } from '../../../src/limits/request-limits';

/** The refusals reported, by the setting that refused. */
function recordedRefusals() {
  const refused: string[] = [];
  return { refused, events: { refused: (limit: string) => refused.push(limit) } };
}

const GENEROUS = new RateLimit({ perSecond: 1_000, burst: 0 }, recordedRefusals().events);

describe('RateLimit', () => {
  it('refuses a caller over its rate and burst with RATE_LIMITED and a retry time, and no other caller', async () => {
    const { refused: reported, events } = recordedRefusals();
    const rate = new RateLimit({ perSecond: 1, burst: 2 }, events);
    for (let i = 0; i < 3; i++) await rate.consume('key:a');
    const refused = await rate.consume('key:a').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', limit: 'RATE_LIMIT_PER_SECOND' });
    expect((refused as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await expect(rate.consume('key:b')).resolves.toBeUndefined();
    expect(reported).toEqual(['RATE_LIMIT_PER_SECOND']);
  });
});

describe('RequestLimits', () => {
  it('admits at most N requests of a caller at once, and gives a slot back once per release', async () => {
    const { refused, events } = recordedRefusals();
    const limits = new RequestLimits(GENEROUS, 2, events);
    const first = await limits.admit('key:a');
    await limits.admit('key:a');
    await expect(limits.admit('key:a')).rejects.toMatchObject({ limit: 'RATE_LIMIT_CONCURRENT_REQUESTS' });
    await expect(limits.admit('key:b')).resolves.toEqual(expect.any(Function));
    first();
    first();
    await limits.admit('key:a');
    await expect(limits.admit('key:a')).rejects.toBeInstanceOf(RateLimitedError);
    expect(refused).toEqual(['RATE_LIMIT_CONCURRENT_REQUESTS', 'RATE_LIMIT_CONCURRENT_REQUESTS']);
  });
});

describe('WebSocketLimits', () => {
  const settings = { maxConnectionsPerCaller: 2, maxSubscriptionsPerConnection: 2, maxSubscriptionsPerCaller: 3 };

  it('counts connections per caller and gives them back on close', () => {
    const limits = new WebSocketLimits(GENEROUS, settings, recordedRefusals().events);
    const first = limits.connect('key:a');
    limits.connect('key:a');
    expect(() => limits.connect('key:a')).toThrow(expect.objectContaining({ limit: 'WS_MAX_CONNECTIONS_PER_KEY' }));
    limits.connect('key:b');
    first.close();
    first.close();
    limits.connect('key:a');
    expect(() => limits.connect('key:a')).toThrow(RateLimitedError);
  });

  it('counts subscriptions per connection and per caller; an end or a close gives them back', async () => {
    const limits = new WebSocketLimits(GENEROUS, settings, recordedRefusals().events);
    const one = limits.connect('key:a');
    const two = limits.connect('key:a');
    await one.subscribe('1');
    await one.subscribe('2');
    await expect(one.subscribe('3')).rejects.toMatchObject({ limit: 'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION' });
    await two.subscribe('1');
    await expect(two.subscribe('2')).rejects.toMatchObject({ limit: 'WS_MAX_SUBSCRIPTIONS_PER_KEY' });
    one.ended('1');
    one.ended('1');
    one.ended('unknown');
    await two.subscribe('2');
    await expect(two.subscribe('3')).rejects.toBeInstanceOf(RateLimitedError);
    one.close();
    // Two on this connection already: the connection's own limit answers, not the caller's.
    await expect(two.subscribe('3')).rejects.toMatchObject({ limit: 'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION' });
    const three = limits.connect('key:a');
    await three.subscribe('1');
    await expect(three.subscribe('2')).rejects.toMatchObject({ limit: 'WS_MAX_SUBSCRIPTIONS_PER_KEY' });
  });
});
