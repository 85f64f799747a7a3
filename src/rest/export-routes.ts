import { Router, type Request, type Response } from 'express';
import type { AnalysisService } from '../analysis';
import { freshnessHeaders } from '../answer-cache';
import { budgetOf } from '../budget';
import { centsToUsdOrNull } from '../domain/money';
import type { RatesService } from '../rates';
import { inRestSpellingOnError, scopedRatesParameters, seriesParameters } from './parameters';

/**
 * CSV downloads of what the analyst sees, with the arguments of the GraphQL queries as query parameters
 * in the REST spelling of `GET /rates` (snake_case):
 *
 *   GET /export/rates.csv?origin=&destination=&date_from=&date_to=[&min_prices=3][&fallback=none|parent_regions][&exclude_outliers=false][&fields=low,p25,median,p75,high]
 *     day,price_count,average_price,origin,destination[,low,...]   (origin/destination: the scope actually used)
 *   GET /export/series.csv?origin=&destination=&date_from=&date_to=&granularity=day|week|month|quarter|year[&exclude_outliers=false]
 *
 * Both take `container_types=` and `contract_term=` as GET /rates does.
 *     period_start,price_count,average_price,min_price,max_price,p25,median,p75,outliers_excluded
 *
 * Prices are USD with two decimals, as GraphQL rounds them; a missing value is an empty field. Bad
 * input answers 400 with the JSON error body of GET /rates (through http/errors.ts). The caller's key
 * and role are checked before these routes (http/app.ts). Like GET /rates, the answers carry an ETag
 * (a matching If-None-Match is answered 304), `Cache-Control: public, no-cache` and `Rateline-Data-As-Of`.
 */
export function exportRoutes(services: {
  readonly rates: Pick<RatesService, 'ratesWithScope'>;
  readonly analysis: Pick<AnalysisService, 'rateSeries'>;
}): Router {
  const router = Router();

  router.get('/rates.csv', async (req: Request, res: Response) => {
    const query = scopedRatesParameters(req.query);
    const answer = await inRestSpellingOnError(services.rates.ratesWithScope(query, budgetOf(res)));
    sendCsv(
      res,
      `rates_${query.origin}_${query.destination}_${query.dateFrom}_${query.dateTo}.csv`,
      ['day', 'price_count', 'average_price', 'origin', 'destination', ...query.fields],
      answer.days.map((d) => [
        d.day,
        d.priceCount,
        usd(d.meanUsdCents),
        answer.origin.id,
        answer.destination.id,
        ...query.fields.map((field) => usd(d.spreadUsdCents?.[field] ?? null)),
      ]),
    );
  });

  router.get('/series.csv', async (req: Request, res: Response) => {
    const query = seriesParameters(req.query);
    const series = await inRestSpellingOnError(services.analysis.rateSeries(query, budgetOf(res)));
    sendCsv(
      res,
      `series_${query.origin}_${query.destination}_${query.dateFrom}_${query.dateTo}_${query.granularity.toLowerCase()}.csv`,
      [
        'period_start',
        'price_count',
        'average_price',
        'min_price',
        'max_price',
        'p25',
        'median',
        'p75',
        'outliers_excluded',
      ],
      series.periods.map((p) => [
        p.periodStart,
        p.priceCount,
        usd(p.meanUsdCents),
        usd(p.minUsdCents),
        usd(p.maxUsdCents),
        usd(p.p25UsdCents),
        usd(p.medianUsdCents),
        usd(p.p75UsdCents),
        p.outliersExcluded,
      ]),
    );
  });

  return router;
}

type Cell = string | number | null;

/** USD with two decimals, rounded as GraphQL rounds (half a cent up); null stays empty. */
function usd(cents: number | null): string | null {
  return centsToUsdOrNull(cents)?.toFixed(2) ?? null;
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function csvField(cell: Cell): string {
  if (cell === null) return '';
  const text = String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function sendCsv(res: Response, filename: string, header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const lines = [header, ...rows].map((cells) => cells.map(csvField).join(','));
  res
    .status(200)
    .set(freshnessHeaders(budgetOf(res)))
    .type('text/csv; charset=utf-8')
    .attachment(filename.replace(/[^A-Za-z0-9_.-]/g, '_'))
    .send(`${lines.join('\r\n')}\r\n`);
}
