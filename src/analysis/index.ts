export {
  AnalysisService,
  DEFAULT_LANE_STATS_FIRST,
  MAX_LANE_STATS_FIRST,
  type RateSeriesQuery,
} from './analysis-service';
