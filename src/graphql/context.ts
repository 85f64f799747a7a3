import type { AnalysisService } from '../analysis';
import type { RatelineServices } from '../services';
import { batchActorOf, type Principal } from '../auth';
import type { BatchActor } from '../domain/batch';
import type { ExchangeRateService } from '../currencies';
import type { BatchReader, IngestService } from '../ingest';
import type { LocationsReader } from '../locations';
import type { Logger } from '../logging/logger';
import type { RatesService } from '../rates';
import type { ReplicationMonitor } from '../replication';

/** What every resolver receives; built anew for each request. */
export interface RequestContext {
  readonly principal: Principal;
  /** The principal as the write path sees it: whose batches it sees and acts on. */
  readonly batchActor: BatchActor;
  /** The request's logger, carrying its request id. */
  readonly log: Logger;
  readonly locations: LocationsReader;
  readonly rates: RatesService;
  readonly analysis: AnalysisService;
  readonly batches: BatchReader;
  readonly ingest: IngestService;
  readonly replication: ReplicationMonitor;
  readonly exchangeRates: ExchangeRateService;
}

/** A request's context: per-request DataLoaders, so batching and caching never cross requests. */
export function createRequestContext(services: RatelineServices, principal: Principal, log: Logger): RequestContext {
  const batchActor = batchActorOf(principal);
  return {
    principal,
    batchActor,
    log,
    locations: services.locations.forRequest(),
    rates: services.rates,
    analysis: services.analysis,
    batches: services.batches.forRequest(batchActor),
    ingest: services.ingest,
    replication: services.replication,
    exchangeRates: services.exchangeRates,
  };
}
