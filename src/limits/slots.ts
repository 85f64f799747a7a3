/**
 * Slots held per caller, at most `max` each: in-flight requests, open connections, live subscriptions.
 * Kept in the process, not in Redis: what they protect (sockets, memory, store connections) is the
 * process's own, and a count in Redis would outlive a crashed process. A caller holding none is
 * forgotten, so the map stays as small as the callers active right now.
 */
export class Slots {
  private readonly held = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot for `caller`; false when it already holds `max`. */
  take(caller: string): boolean {
    const count = this.held.get(caller) ?? 0;
    if (count >= this.max) return false;
    this.held.set(caller, count + 1);
    return true;
  }

  give(caller: string): void {
    const count = this.held.get(caller) ?? 0;
    if (count <= 1) this.held.delete(caller);
    else this.held.set(caller, count - 1);
  }
}
