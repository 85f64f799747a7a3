import type { AnalysisService } from '../analysis';
import type { LocationsReader } from '../locations';
import type { RatesService } from '../rates';

/** What every resolver receives; built anew for each request. */
export interface RequestContext {
  readonly locations: LocationsReader;
  readonly rates: RatesService;
  readonly analysis: AnalysisService;
}
