import { setTimeout as sleep } from 'node:timers/promises';
import { formatDay, type EpochDay } from '../domain/day';
import type { ExchangeRateTable } from '../stores/operational';
import { currencyInfo, knownCurrencyCodes, USD } from './currency-table';
import {
  ExchangeRatesUnavailableError,
  type CurrencyDay,
  type ExchangeRateProvider,
  type ProvidedCurrency,
} from './provider';
import type { DailyUsdRate } from './rate-file';
import { usdPerUnitFromUnitsPerUsd } from './usd-rate';

export interface OpenExchangeRatesOptions {
  readonly appId: string;
  /** Up to `/api`, without a trailing slash: `https://openexchangerates.org/api`. */
  readonly baseUrl: string;
  /** Per attempt. */
  readonly timeoutMs: number;
  /** Attempts after the first one, for network errors, timeouts, 5xx and rate limiting. */
  readonly retries: number;
  /** First backoff; each retry waits twice as long as the one before. */
  readonly retryBaseMs: number;
  /** Days fetched at once; default 4. */
  readonly concurrency?: number;
}

/** What the store's cache is marked with: every fetched day also stores USD at 1, the "day fetched" mark. */
const CACHE_SOURCE = 'openexchangerates historical';

/** The documented error body: `{"error": true, "status": 401, "message": "invalid_app_id", "description": "…"}`. */
interface OxrErrorBody {
  readonly error?: unknown;
  readonly status?: unknown;
  readonly message?: unknown;
  readonly description?: unknown;
}

interface OxrRatesBody {
  readonly base?: unknown;
  readonly rates?: unknown;
}

/** A day's answer: its rates, or the provider's word that it has none for that day. */
type DayAnswer = { readonly kind: 'rates'; readonly rates: DailyUsdRate[] } | { readonly kind: 'not_available' };

/** One attempt's failure, and whether another attempt may help. */
class AttemptFailed extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly details: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

/** Messages of a 400 that mean "no rates for this day", not "the request is wrong". */
const DAY_NOT_AVAILABLE = new Set(['not_available', 'invalid_date']);

/**
 * Open Exchange Rates' historical endpoint (`GET {base}/historical/YYYY-MM-DD.json?app_id=…`, base USD,
 * `rates` = units of each currency per US dollar), one request per day, with every fetched day cached in
 * the operational store so that all processes share it and a day is fetched once. A day the provider
 * has no rates for (400 `not_available`/`invalid_date`) answers no rate (RATE_UNAVAILABLE); a refusal
 * (401, 403, 429 `not_allowed`), or a failure that outlasts the retries (network, timeout, 5xx, 429
 * rate limit), throws {@link ExchangeRatesUnavailableError}.
 */
export class OpenExchangeRatesProvider implements ExchangeRateProvider {
  readonly name = 'openexchangerates';
  private readonly concurrency: number;

  constructor(
    private readonly table: ExchangeRateTable,
    private readonly options: OpenExchangeRatesOptions,
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  async usdPerUnit(pairs: readonly CurrencyDay[]): Promise<(string | undefined)[]> {
    const days = [...new Set(pairs.map((p) => p.day))];
    const marks = await this.table.ratesFor(
      'openexchangerates',
      days.map((day) => ({ currency: USD.code, day })),
    );
    const missing = days.filter((_, index) => marks[index] === undefined);
    const fetched = new Map<EpochDay, DayAnswer>();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let day = missing[next++]; day !== undefined; day = missing[next++]) {
        const answer = await this.fetchDay(day);
        if (answer.kind === 'rates') await this.table.save('openexchangerates', answer.rates, CACHE_SOURCE);
        fetched.set(day, answer);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, missing.length) }, worker));
    const cached = await this.table.ratesFor(
      'openexchangerates',
      pairs.filter((p) => fetched.get(p.day)?.kind !== 'not_available'),
    );
    let position = 0;
    return pairs.map((p) => (fetched.get(p.day)?.kind === 'not_available' ? undefined : cached[position++]));
  }

  /** Every ISO 4217 currency Rateline knows: which of them a day has is known only once it is fetched. */
  currencies(): Promise<ProvidedCurrency[]> {
    return Promise.resolve(
      knownCurrencyCodes()
        .filter((code) => code !== USD.code)
        .map((code) => ({ code, firstDay: null, lastDay: null })),
    );
  }

  private async fetchDay(day: EpochDay): Promise<DayAnswer> {
    const dayText = formatDay(day);
    const attempts = this.options.retries + 1;
    let last: AttemptFailed | undefined;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1) await sleep(this.options.retryBaseMs * 2 ** (attempt - 2));
      try {
        return await this.attempt(day, dayText);
      } catch (error) {
        if (!(error instanceof AttemptFailed)) throw error;
        last = error;
        if (!error.retryable) break;
      }
    }
    const failure = last as AttemptFailed;
    const tries = failure.retryable ? ` (after ${attempts} attempts)` : '';
    throw new ExchangeRatesUnavailableError(
      `Exchange rates are unavailable, so nothing was written: Open Exchange Rates ${failure.message} for ${dayText}${tries}`,
      { provider: this.name, day: dayText, ...failure.details },
    );
  }

  private async attempt(day: EpochDay, dayText: string): Promise<DayAnswer> {
    const url = `${this.options.baseUrl}/historical/${dayText}.json?app_id=${encodeURIComponent(this.options.appId)}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = errorProperty(error, 'name');
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      const reason = timedOut
        ? `did not answer within ${this.options.timeoutMs} ms (OXR_TIMEOUT_MS)`
        : `could not be reached at ${this.options.baseUrl} (${networkReason(error)})`;
      throw new AttemptFailed(reason, true, { reason: timedOut ? 'timeout' : 'network' });
    }
    const body = parseJson(text);
    if (response.ok) return { kind: 'rates', rates: ratesOf(day, body, response.status) };
    const { message, description } = errorOf(body);
    const details = { providerStatus: response.status, providerMessage: message ?? null };
    const said = `answered HTTP ${response.status}${message ? ` ${message}` : ''}${description ? ` (${description})` : ''}`;
    if (response.status === 400 && message !== undefined && DAY_NOT_AVAILABLE.has(message))
      return { kind: 'not_available' };
    // not_allowed comes as 429 too, but is a refusal of the plan, not a rate limit.
    const rateLimited = response.status === 429 && message !== 'not_allowed';
    throw new AttemptFailed(said, rateLimited || response.status >= 500, details);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorOf(body: unknown): { message: string | undefined; description: string | undefined } {
  if (typeof body !== 'object' || body === null) return { message: undefined, description: undefined };
  const { message, description } = body as OxrErrorBody;
  return {
    message: typeof message === 'string' ? message : undefined,
    description: typeof description === 'string' ? description : undefined,
  };
}

/**
 * A property of a thrown value, read without `instanceof Error`: fetch's errors come from Node's own
 * realm, which `instanceof` in another realm (a test sandbox, a VM context) does not recognise.
 */
function errorProperty(error: unknown, key: 'name' | 'message' | 'code' | 'cause'): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

function networkReason(error: unknown): string {
  const cause = errorProperty(error, 'cause');
  const code = errorProperty(cause, 'code');
  if (typeof code === 'string') return code;
  const message = errorProperty(cause, 'message') ?? errorProperty(error, 'message');
  return typeof message === 'string' ? message : String(error);
}

/** A success body's rates as US dollars per unit; USD at 1 marks the day as fetched. */
function ratesOf(day: EpochDay, body: unknown, status: number): DailyUsdRate[] {
  const { base, rates } = (typeof body === 'object' && body !== null ? body : {}) as OxrRatesBody;
  if (base !== USD.code || typeof rates !== 'object' || rates === null) {
    throw new AttemptFailed(`answered HTTP ${status} without USD-based rates`, false, {
      providerStatus: status,
      reason: 'malformed',
    });
  }
  const daily: DailyUsdRate[] = [{ currency: USD.code, day, usdPerUnit: '1' }];
  for (const [currency, quote] of Object.entries(rates as Record<string, unknown>)) {
    if (currency === USD.code || typeof quote !== 'number' || !(quote > 0) || !currencyInfo(currency)) continue;
    daily.push({ currency, day, usdPerUnit: usdPerUnitFromUnitsPerUsd(quote) });
  }
  return daily;
}
