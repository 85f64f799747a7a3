/** The pause after the first failure; it doubles with each further one. */
const FIRST_RETRY_MS = 100;

/** Exponential backoff: 100 ms doubling with each consecutive failure, up to `maxMs`. */
export class Backoff {
  /** Failures since the last {@link reset}. */
  private consecutiveFailures = 0;

  constructor(private readonly maxMs: number) {}

  /** Counts a failure; answers which attempt failed and how long to wait before the next one. */
  failed(): { readonly attempt: number; readonly retryInMs: number } {
    const retryInMs = Math.min(FIRST_RETRY_MS * 2 ** this.consecutiveFailures, this.maxMs);
    this.consecutiveFailures++;
    return { attempt: this.consecutiveFailures, retryInMs };
  }

  /** Both stores answered: the next failure starts a fresh backoff. */
  reset(): void {
    this.consecutiveFailures = 0;
  }
}
