import { Router, type Request, type Response } from 'express';
import type { RatesService } from '../rates';
import { inRestSpellingOnError, laneRangeParameters } from './parameters';

/**
 * `GET /rates?date_from=&date_to=&origin=&destination=`: the seed API's call, kept for its clients.
 * Same service as GraphQL; the average is rounded to whole dollars and null under 3 prices, as before.
 * Errors go to the HTTP error handler (http/errors.ts), which answers 400 with a JSON body.
 */
export function ratesRoute(rates: RatesService): Router {
  const router = Router();
  router.get('/', async (req: Request, res: Response) => {
    const query = {
      ...laneRangeParameters(req),
    };
    const days = await inRestSpellingOnError(rates.dailyRates(query));
    res.json(
      days.map((d) => ({
        day: d.day,
        average_price: d.meanUsdCents === null ? null : Math.round(d.meanUsdCents / 100),
      })),
    );
  });
  return router;
}
