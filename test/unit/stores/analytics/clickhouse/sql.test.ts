import {
  DAILY_LANE_DIMENSION_TOTALS,
  DAILY_LANE_TOTALS,
  dailyPriceTotalsSettings,
  settingsClause,
  stringLiteral,
} from '../../../../../src/stores/analytics/clickhouse/sql';

describe('query settings', () => {
  it('write numbers bare and strings as literals, and nothing at all for none', () => {
    expect(settingsClause({ max_execution_time: 1.5, log_comment: "it's \\ here" })).toBe(
      "SETTINGS max_execution_time = 1.5, log_comment = 'it\\'s \\\\ here'",
    );
    expect(settingsClause({})).toBe('');
    expect(stringLiteral('plain')).toBe("'plain'");
  });

  it('point the rates aggregate at the lane totals without a filter and at the dimension totals with one', () => {
    expect(dailyPriceTotalsSettings()).toEqual({ preferred_optimize_projection_name: DAILY_LANE_TOTALS });
    expect(dailyPriceTotalsSettings({ containerTypes: null, contractTerm: null })).toEqual({
      preferred_optimize_projection_name: DAILY_LANE_TOTALS,
    });
    expect(dailyPriceTotalsSettings({ containerTypes: ['40HC'], contractTerm: null })).toEqual({
      preferred_optimize_projection_name: DAILY_LANE_DIMENSION_TOTALS,
    });
    expect(dailyPriceTotalsSettings({ containerTypes: null, contractTerm: 'LONG_TERM' })).toEqual({
      preferred_optimize_projection_name: DAILY_LANE_DIMENSION_TOTALS,
    });
  });
});
