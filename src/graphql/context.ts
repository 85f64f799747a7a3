import type { AnalysisService } from '../analysis';
import type { RatelineServices } from '../services';
import type { Principal } from '../auth';
import type { ExchangeRateService } from '../currencies';
import type { BatchReader, IngestService } from '../ingest';
import type { LocationsReader } from '../locations';
import type { Logger } from '../logging/logger';
import type { RatesService } from '../rates';
import type { ReplicationMonitor } from '../replication';

/** What every resolver receives; built anew for each request. */
export interface RequestContext {
  readonly principal: Principal;
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
  return {
    principal,
    log,
    locations: services.locations.forRequest(),
    rates: services.rates,
    analysis: services.analysis,
    batches: services.batches.forRequest(),
    ingest: services.ingest,
    replication: services.replication,
    exchangeRates: services.exchangeRates,
  };
}
