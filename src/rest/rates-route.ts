import { Router, type Request, type Response } from 'express';
import { RatelineError, badUserInput } from '../domain/errors';
import type { RatesService } from '../rates';

function requiredParameter(req: Request, name: string): string {
  const value: unknown = req.query[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw badUserInput(name, value ?? null, `query parameter ${name} is required exactly once`);
  }
  return value;
}

/** The service names fields as GraphQL does; REST clients sent them in the seed API's spelling. */
const REST_FIELD_NAMES: Readonly<Record<string, string>> = { dateFrom: 'date_from', dateTo: 'date_to' };

function inRestSpelling(error: unknown): unknown {
  if (!(error instanceof RatelineError) || error.field === undefined) return error;
  const field = REST_FIELD_NAMES[error.field];
  if (field === undefined) return error;
  const message = Object.entries(REST_FIELD_NAMES).reduce(
    (text, [from, to]) => text.replaceAll(from, to),
    error.message,
  );
  return new RatelineError(error.code, message, field, error.value);
}

/**
 * `GET /rates?date_from=&date_to=&origin=&destination=`: the seed API's call, kept for its clients.
 * Same service as GraphQL; the average is rounded to whole dollars and null under 3 prices, as before.
 * Errors go to the HTTP error handler (http/errors.ts), which answers 400 with a JSON body.
 */
export function ratesRoute(rates: RatesService): Router {
  const router = Router();
  router.get('/', async (req: Request, res: Response) => {
    const query = {
      dateFrom: requiredParameter(req, 'date_from'),
      dateTo: requiredParameter(req, 'date_to'),
      origin: requiredParameter(req, 'origin'),
      destination: requiredParameter(req, 'destination'),
    };
    const days = await rates.dailyRates(query).catch((error: unknown) => {
      throw inRestSpelling(error);
    });
    res.json(
      days.map((d) => ({
        day: d.day,
        average_price: d.meanUsdCents === null ? null : Math.round(d.meanUsdCents / 100),
      })),
    );
  });
  return router;
}
