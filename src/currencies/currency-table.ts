import { code as isoCurrency, codes as isoCodes } from 'currency-codes';

/** A currency as ISO 4217 describes it. */
export interface CurrencyInfo {
  readonly code: string;
  readonly name: string;
  /** Digits of its minor unit (the ISO 4217 exponent): 2 for EUR (cents), 0 for JPY, 3 for KWD. */
  readonly minorDigits: number;
}

/**
 * Currencies withdrawn from ISO 4217's current list (list one) that the ECB's historical rates still
 * carry for the years Rateline covers. From ISO 4217's list of historic denominations (list three).
 */
const WITHDRAWN: Readonly<Record<string, CurrencyInfo>> = {
  HRK: { code: 'HRK', name: 'Kuna', minorDigits: 2 },
};

/**
 * ISO 4217 codes that are no money a price can be quoted in: precious metals, supranational units,
 * bond-market units, fund codes, the testing code and "no currency". The ISO data gives some of them
 * 0 minor digits where ISO 4217 itself says "N.A.", so they are refused rather than misread.
 */
const NOT_MONEY: ReadonlySet<string> = new Set([
  'XAU',
  'XAG',
  'XPT',
  'XPD',
  'XDR',
  'XSU',
  'XUA',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XTS',
  'XXX',
  'BOV',
  'CHE',
  'CHW',
  'CLF',
  'COU',
  'MXV',
  'USN',
  'UYI',
  'UYW',
]);

const cache = new Map<string, CurrencyInfo | undefined>();

/** The currency a code names, from ISO 4217 (current list, plus {@link WITHDRAWN}); undefined otherwise. */
export function currencyInfo(code: string): CurrencyInfo | undefined {
  if (cache.has(code)) return cache.get(code);
  let info: CurrencyInfo | undefined;
  if (/^[A-Z]{3}$/.test(code) && !NOT_MONEY.has(code)) {
    const iso = isoCurrency(code);
    info = iso ? { code: iso.code, name: iso.currency, minorDigits: iso.digits } : WITHDRAWN[code];
  }
  cache.set(code, info);
  return info;
}

export const USD: CurrencyInfo = { code: 'USD', name: 'US Dollar', minorDigits: 2 };

/** Every code {@link currencyInfo} knows, USD included, in alphabetical order. */
export function knownCurrencyCodes(): string[] {
  return [...new Set([...isoCodes(), ...Object.keys(WITHDRAWN)])].filter((c) => currencyInfo(c)).sort();
}
