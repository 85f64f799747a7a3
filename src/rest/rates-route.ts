import { Router, type Request, type Response } from 'express';
import { freshnessHeaders } from '../answer-cache';
import { budgetOf } from '../budget';
import type { RatesService } from '../rates';
import { inRestSpellingOnError, ratesParameters } from './parameters';

/**
 * `GET /rates?date_from=&date_to=&origin=&destination=[&currency=][&container_types=40HC,20DC]
 * [&contract_term=long_term][&fields=low,p25,median,p75,high]`: the seed API's call, kept for its
 * clients. The same service operation as GraphQL `rates`; each average is rounded to whole units of the
 * currency (USD when absent, else ISO 4217 at each day's rate) and null under 3 prices, as before.
 * Without the new parameters the answer is the original one; `fields` adds those spread columns.
 * Errors go to the HTTP error handler (http/errors.ts), which answers 400 with a JSON body. Answers
 * carry an ETag, `Cache-Control: public, no-cache` and `Rateline-Data-As-Of` (docs/architecture.md,
 * "Hot reads").
 */
export function ratesRoute(rates: Pick<RatesService, 'ratesInCurrency'>): Router {
  const router = Router();
  router.get('/', async (req: Request, res: Response) => {
    const query = ratesParameters(req.query);
    const answer = await inRestSpellingOnError(rates.ratesInCurrency(query, budgetOf(res)));
    const minorPerUnit = 10 ** answer.currency.minorDigits;
    const round = (minor: number) => Math.round(minor / minorPerUnit);
    // Express adds the ETag and answers a matching If-None-Match with 304.
    res.set(freshnessHeaders(budgetOf(res))).json(
      answer.days.map((d) => ({
        day: d.day,
        average_price: d.meanMinor === null ? null : round(d.meanMinor),
        ...Object.fromEntries(query.fields.map((field) => [field, d.spreadMinor ? round(d.spreadMinor[field]) : null])),
      })),
    );
  });
  return router;
}
