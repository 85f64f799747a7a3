import { Router, type Request, type Response } from 'express';
import { USD, type ExchangeRates } from '../currencies';
import type { RatesService } from '../rates';
import { inRestSpellingOnError, laneRangeParameters, optionalParameter } from './parameters';

/**
 * `GET /rates?date_from=&date_to=&origin=&destination=`: the seed API's call, kept for its clients.
 * Same service as GraphQL; the average is rounded to whole dollars and null under 3 prices, as before.
 * `currency` (optional, ISO 4217) reports the averages in that currency at each day's rate, in whole units.
 * Errors go to the HTTP error handler (http/errors.ts), which answers 400 with a JSON body.
 */
export function ratesRoute(rates: RatesService, exchangeRates: ExchangeRates): Router {
  const router = Router();
  router.get('/', async (req: Request, res: Response) => {
    const query = {
      ...laneRangeParameters(req),
    };
    const currency = optionalParameter(req, 'currency');
    const days = await inRestSpellingOnError(rates.dailyRates(query));
    if (currency !== undefined && currency !== USD.code) {
      // `currency=EUR`: each day's average in euros at that day's rate, rounded to whole euros.
      const converted = await exchangeRates.inCurrency(currency, days);
      const unit = 10 ** converted.currency.minorDigits;
      res.json(
        converted.days.map((d) => ({
          day: d.day,
          average_price: d.meanMinor === null ? null : Math.round(d.meanMinor / unit),
        })),
      );
      return;
    }
    res.json(
      days.map((d) => ({
        day: d.day,
        average_price: d.meanUsdCents === null ? null : Math.round(d.meanUsdCents / 100),
      })),
    );
  });
  return router;
}
