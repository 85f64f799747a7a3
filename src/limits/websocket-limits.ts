import type { RateLimit } from './rate';
import { RateLimitedError } from './rate-limited';
import { Slots } from './slots';

export interface WebSocketLimitSettings {
  readonly maxConnectionsPerCaller: number;
  readonly maxSubscriptionsPerConnection: number;
  readonly maxSubscriptionsPerCaller: number;
}

/** GraphQL over WebSocket: connections per caller, and subscriptions per connection and per caller. */
export class WebSocketLimits {
  private readonly connections: Slots;
  private readonly subscriptions: Slots;

  constructor(
    private readonly rate: RateLimit,
    private readonly settings: WebSocketLimitSettings,
  ) {
    this.connections = new Slots(settings.maxConnectionsPerCaller);
    this.subscriptions = new Slots(settings.maxSubscriptionsPerCaller);
  }

  /** A new connection of `caller`; RateLimitedError when it holds its maximum already. */
  connect(caller: string): WebSocketConnection {
    if (!this.connections.take(caller)) {
      throw new RateLimitedError(
        `Too many WebSocket connections for this caller: at most ${this.connections.max} (WS_MAX_CONNECTIONS_PER_KEY)`,
        'WS_MAX_CONNECTIONS_PER_KEY',
        1,
      );
    }
    return new WebSocketConnection(
      caller,
      this.rate,
      this.settings.maxSubscriptionsPerConnection,
      this.subscriptions,
      () => this.connections.give(caller),
    );
  }
}

/** One connection's subscriptions; `close()` gives back everything it holds. */
export class WebSocketConnection {
  private readonly live = new Set<string>();
  private closed = false;

  constructor(
    private readonly caller: string,
    private readonly rate: RateLimit,
    private readonly maxSubscriptions: number,
    private readonly callerSubscriptions: Slots,
    private readonly disconnect: () => void,
  ) {}

  /** Admits subscription `id` (it counts as a request against the caller's rate); else RateLimitedError. */
  async subscribe(id: string): Promise<void> {
    if (this.live.size >= this.maxSubscriptions) {
      throw new RateLimitedError(
        `Too many subscriptions on this connection: at most ${this.maxSubscriptions} (WS_MAX_SUBSCRIPTIONS_PER_CONNECTION)`,
        'WS_MAX_SUBSCRIPTIONS_PER_CONNECTION',
        1,
      );
    }
    await this.rate.consume(this.caller);
    // Checked again after the wait: the connection may have closed, or filled up, meanwhile.
    if (this.closed || this.live.size >= this.maxSubscriptions || !this.callerSubscriptions.take(this.caller)) {
      throw new RateLimitedError(
        `Too many subscriptions for this caller: at most ${this.callerSubscriptions.max} (WS_MAX_SUBSCRIPTIONS_PER_KEY)`,
        'WS_MAX_SUBSCRIPTIONS_PER_KEY',
        1,
      );
    }
    this.live.add(id);
  }

  /** Subscription `id` ended (completed, unsubscribed or failed); unknown ids are ignored. */
  ended(id: string): void {
    if (this.live.delete(id)) this.callerSubscriptions.give(this.caller);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of this.live) this.ended(id);
    this.disconnect();
  }
}
