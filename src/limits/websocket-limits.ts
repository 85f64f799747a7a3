import type { RateLimit } from './rate';
import { RateLimitedError, type LimitEvents } from './rate-limited';
import { Slots } from './slots';

export interface WebSocketLimitSettings {
  readonly maxConnectionsPerCaller: number;
  readonly maxSubscriptionsPerConnection: number;
  readonly maxSubscriptionsPerCaller: number;
}

type Refusals = Pick<LimitEvents, 'refused'>;

/** Reports the refusal and answers its error (a retry may succeed once something closes). */
function refusal(events: Refusals, limit: string, message: string): RateLimitedError {
  events.refused(limit);
  return new RateLimitedError(`${message} (${limit})`, limit, 1);
}

/** GraphQL over WebSocket: connections per caller, and subscriptions per connection and per caller. */
export class WebSocketLimits {
  private readonly connections: Slots;
  private readonly subscriptions: Slots;

  constructor(
    private readonly rate: RateLimit,
    private readonly settings: WebSocketLimitSettings,
    private readonly events: Refusals,
  ) {
    this.connections = new Slots(settings.maxConnectionsPerCaller);
    this.subscriptions = new Slots(settings.maxSubscriptionsPerCaller);
  }

  /** A new connection of `caller`; RateLimitedError when it holds its maximum already. */
  connect(caller: string): WebSocketConnection {
    if (!this.connections.take(caller)) {
      throw refusal(
        this.events,
        'WS_MAX_CONNECTIONS_PER_KEY',
        `Too many WebSocket connections for this caller: at most ${this.connections.max}`,
      );
    }
    return new WebSocketConnection({
      caller,
      rate: this.rate,
      events: this.events,
      maxSubscriptions: this.settings.maxSubscriptionsPerConnection,
      callerSubscriptions: this.subscriptions,
      disconnect: () => this.connections.give(caller),
    });
  }
}

interface ConnectionDependencies {
  readonly caller: string;
  readonly rate: RateLimit;
  readonly events: Refusals;
  readonly maxSubscriptions: number;
  /** Shared by every connection of every caller: what each caller holds over all its connections. */
  readonly callerSubscriptions: Slots;
  readonly disconnect: () => void;
}

/** One connection's subscriptions; `close()` gives back everything it holds. */
export class WebSocketConnection {
  private readonly live = new Set<string>();
  private closed = false;

  constructor(private readonly deps: ConnectionDependencies) {}

  /** Admits subscription `id` (it counts as a request against the caller's rate); else RateLimitedError. */
  async subscribe(id: string): Promise<void> {
    const { caller, rate, events, maxSubscriptions, callerSubscriptions } = this.deps;
    const full = () => this.closed || this.live.size >= maxSubscriptions;
    const tooMany = () =>
      refusal(
        events,
        'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION',
        `Too many subscriptions on this connection: at most ${maxSubscriptions}`,
      );
    if (full()) throw tooMany();
    await rate.consume(caller);
    // Checked again after the wait: the connection may have closed, or filled up, meanwhile.
    if (full()) throw tooMany();
    if (!callerSubscriptions.take(caller)) {
      throw refusal(
        events,
        'WS_MAX_SUBSCRIPTIONS_PER_KEY',
        `Too many subscriptions for this caller: at most ${callerSubscriptions.max}`,
      );
    }
    this.live.add(id);
  }

  /** Subscription `id` ended (completed, unsubscribed or failed); unknown ids are ignored. */
  ended(id: string): void {
    if (this.live.delete(id)) this.deps.callerSubscriptions.give(this.deps.caller);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of this.live) this.ended(id);
    this.deps.disconnect();
  }
}
