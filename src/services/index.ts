import type { AnalysisService } from '../analysis';
import type { ExchangeRateService } from '../currencies';
import type { BatchQueries, IngestService } from '../ingest';
import type { LocationsService } from '../locations';
import type { RatesService } from '../rates';
import type { ReplicationMonitor } from '../replication';

/** The long-lived services behind the API, shared by every request, whichever transport it came by. */
export interface RatelineServices {
  readonly locations: LocationsService;
  readonly rates: RatesService;
  readonly analysis: AnalysisService;
  readonly batches: BatchQueries;
  readonly ingest: IngestService;
  readonly replication: ReplicationMonitor;
  readonly exchangeRates: ExchangeRateService;
}
