import type { AnalysisService } from '../analysis';
import type { RatelineServices } from '../services';
import { batchActorOf, type Principal } from '../auth';
import type { BatchActor } from '../domain/batch';
import type { ExchangeRateService } from '../currencies';
import { UNBOUNDED, type Budget } from '../domain/budget';
import type { BatchReader, IngestService } from '../ingest';
import type { LocationsReader } from '../locations';
import type { Logger } from '../logging/logger';
import type { RatesService } from '../rates';
import type { ReplicationMonitor } from '../replication';

/** What every resolver receives; built anew for each request. */
export interface RequestContext {
  readonly principal: Principal;
  /** Whom the request's limits and write turns count against (src/limits/caller.ts). */
  readonly caller: string;
  /** The principal as the write path sees it: whose batches it sees and acts on. */
  readonly batchActor: BatchActor;
  /** The request's logger, carrying its request id. */
  readonly log: Logger;
  /**
   * The time budget of the request's analytical reads (QUERY_TIMEOUT_MS from its arrival; its signal
   * also fires when the client goes away): resolvers hand it to the services.
   */
  readonly budget: Budget;
  readonly locations: LocationsReader;
  readonly rates: RatesService;
  readonly analysis: AnalysisService;
  readonly batches: BatchReader;
  readonly ingest: IngestService;
  readonly replication: ReplicationMonitor;
  readonly exchangeRates: ExchangeRateService;
}

/**
 * A request's context: per-request DataLoaders, so batching and caching never cross requests. Without
 * a budget (subscriptions, which read no analytics) nothing stops its reads.
 */
export function createRequestContext(
  services: RatelineServices,
  principal: Principal,
  caller: string,
  log: Logger,
  budget: Budget = UNBOUNDED,
): RequestContext {
  const batchActor = batchActorOf(principal);
  return {
    principal,
    caller,
    batchActor,
    log,
    budget,
    locations: services.locations.forRequest(),
    rates: services.rates,
    analysis: services.analysis,
    batches: services.batches.forRequest(batchActor),
    ingest: services.ingest,
    replication: services.replication,
    exchangeRates: services.exchangeRates,
  };
}
