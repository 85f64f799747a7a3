import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseDay } from '../domain/day';
import type { DailyUsdRate } from '../domain/exchange-rates';
import { projectRoot } from '../paths/project-root';
import { currencyInfo } from './currency-table';
import { isRateText } from './usd-rate';

export type { DailyUsdRate } from '../domain/exchange-rates';

export interface ExchangeRateFile {
  readonly rates: DailyUsdRate[];
  /** `<file name> sha256:<first 16 hex digits of the content's hash>`: names this very content. */
  readonly source: string;
}

const HEADER = 'day,currency,usd_per_unit';

/** The table Rateline ships: ECB reference rates as US dollars per unit (see reference/exchange-rates/README.md). */
export function shippedExchangeRatesFile(): string {
  return path.join(projectRoot(), 'reference', 'exchange-rates', 'ecb-usd.csv');
}

/**
 * Reads a file of daily rates: CSV with the header `day,currency,usd_per_unit`, one rate per line
 * (`2016-01-04,EUR,1.0898`): a calendar day, an ISO 4217 code other than USD, and US dollars for one
 * unit of it as a positive decimal (digits and a point, no exponent). Throws naming every bad line
 * (the first 20), so a file is loaded whole or not at all.
 */
export function readExchangeRateFile(file: string): ExchangeRateFile {
  return parseExchangeRates(file, fs.readFileSync(file, 'utf8'));
}

/** What a file's rates are stored under: `<file name> sha256:<first 16 hex digits of its content's hash>`. */
function sourceOf(file: string, content: string): string {
  return `${path.basename(file)} sha256:${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
}

/**
 * A rates file's source (see {@link ExchangeRateFile.source}), and its rates read only if `wanted` says
 * so: a start that finds the shipped table loaded already skips parsing it.
 */
export function readExchangeRateFileIf(
  file: string,
  wanted: (source: string) => Promise<boolean>,
): Promise<ExchangeRateFile | { readonly source: string; readonly rates: undefined }> {
  const content = fs.readFileSync(file, 'utf8');
  const source = sourceOf(file, content);
  return wanted(source).then((yes) => (yes ? parseExchangeRates(file, content) : { source, rates: undefined }));
}

function parseExchangeRates(file: string, content: string): ExchangeRateFile {
  const lines = content.split(/\r?\n/);
  if (lines[0]?.trim() !== HEADER) {
    throw new Error(`${file}: the first line must be the header ${HEADER} (got ${JSON.stringify(lines[0] ?? '')})`);
  }
  const rates: DailyUsdRate[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  lines.slice(1).forEach((line, index) => {
    const lineNumber = index + 2;
    if (line.trim() === '') return;
    const problem = (message: string) => problems.push(`line ${lineNumber}: ${message} (${JSON.stringify(line)})`);
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length !== 3) return problem('expected 3 fields: day,currency,usd_per_unit');
    const [dayText = '', currency = '', usdPerUnit = ''] = fields;
    const day = parseDay(dayText);
    if (day === undefined) return problem('the day must be a calendar day written YYYY-MM-DD');
    if (currency === 'USD') return problem('USD is the base: its rate is always 1');
    if (!currencyInfo(currency)) return problem(`${currency} is not an ISO 4217 currency code`);
    if (!isRateText(usdPerUnit)) return problem('usd_per_unit must be a positive decimal such as 1.0898');
    const key = `${currency} ${dayText}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) return problem(`${currency} on ${dayText} is already on line ${earlier}`);
    seen.set(key, lineNumber);
    rates.push({ currency, day, usdPerUnit });
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20).join('\n  ');
    const more = problems.length > 20 ? `\n  … and ${problems.length - 20} more` : '';
    throw new Error(`${file}: ${problems.length} bad lines, nothing loaded:\n  ${shown}${more}`);
  }
  return { rates, source: sourceOf(file, content) };
}
