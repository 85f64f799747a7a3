/**
 * IngestEvents for tests: a recorder that keeps every event in order, and one that ignores them for
 * tests about something else. Both are plain implementations of Rateline's own interface.
 */
import type { BatchOutcome, IngestEvents } from '../../src/ingest';

export type RecordedIngestEvent =
  | { readonly event: 'batchOutcome'; readonly outcome: BatchOutcome }
  | { readonly event: 'pricesAccepted'; readonly count: number };

export interface RecordingIngestEvents extends IngestEvents {
  /** Every event so far, in order. */
  readonly recorded: RecordedIngestEvent[];
}

export function recordingIngestEvents(): RecordingIngestEvents {
  const recorded: RecordedIngestEvent[] = [];
  return {
    recorded,
    batchOutcome: (outcome) => recorded.push({ event: 'batchOutcome', outcome }),
    pricesAccepted: (count) => recorded.push({ event: 'pricesAccepted', count }),
  };
}

export const ignoredIngestEvents: IngestEvents = {
  batchOutcome: () => undefined,
  pricesAccepted: () => undefined,
};
