export {
  AnalysisService,
  DEFAULT_LANE_STATS_FIRST,
  MAX_LANE_STATS_FIRST,
  type LaneStat,
  type LaneStatsQuery,
  type RatePeriod,
  type RateSeries,
  type RateSeriesQuery,
} from './analysis-service';
