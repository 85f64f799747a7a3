import BigJs from 'big.js';
import type { CurrencyInfo } from './currency-table';

/** big.js with 40 decimal places for divisions (its default, 20, would cut rates below 1e-10 short). */
const Big = BigJs();
Big.DP = 40;

/**
 * The rate a price is converted at: US dollars for one unit of `currency`, as an exact decimal. The
 * decimal text is what the stores keep beside the price; the scaled integer is for the arithmetic.
 */
export interface UsdRate {
  readonly currency: CurrencyInfo;
  /** US dollars per unit, as decimal text without exponent ("1.0898", "0.008397287718"). */
  readonly usdPerUnit: string;
  /** `usdPerUnit × 10^scale`, an integer. */
  readonly scaled: bigint;
  readonly scale: number;
  /** What `amountMinor × scaled` is divided by to give US cents: 10^(minorDigits + scale − 2), or 1. */
  readonly divisor: bigint;
  /** What `amountMinor × scaled` is multiplied by when the division above would be by less than 1. */
  readonly multiplier: bigint;
}

/** Most significant digits a rate keeps; the ECB quotes 5 or 6, Open Exchange Rates about 7. */
const RATE_SIGNIFICANT_DIGITS = 10;

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * A rate from its decimal text (digits and at most one point, positive). Throws on anything else:
 * rates come from Rateline's own table, its store, or an import that checked them already.
 */
export function usdRate(currency: CurrencyInfo, usdPerUnit: string): UsdRate {
  const match = DECIMAL.exec(usdPerUnit);
  if (!match) throw new Error(`${currency.code}: ${JSON.stringify(usdPerUnit)} is not a decimal rate`);
  const fraction = match[2] ?? '';
  const scaled = BigInt(`${match[1]}${fraction}`);
  if (scaled <= 0n) throw new Error(`${currency.code}: a rate must be greater than 0 (got ${usdPerUnit})`);
  const scale = fraction.length;
  const exponent = currency.minorDigits + scale - 2;
  return {
    currency,
    usdPerUnit,
    scaled,
    scale,
    divisor: exponent > 0 ? 10n ** BigInt(exponent) : 1n,
    multiplier: exponent < 0 ? 10n ** BigInt(-exponent) : 1n,
  };
}

/**
 * An amount in minor units of the rate's currency, in whole US cents: exact integer arithmetic
 * (`amountMinor × usdPerUnit × 100 / 10^minorDigits`), rounded once, half to even. Half to even (the
 * banker's rounding of IEEE 754 and of most accounting rules) because batches convert many prices at
 * the same rate: rounding every exact half up would push every sum of them upwards.
 */
export function toUsdCents(amountMinor: number, rate: UsdRate): number {
  // US cents at 1 (USD itself): nothing to convert, and the common case.
  if (rate.scaled === 1n && rate.multiplier === 1n && rate.divisor === 1n) return amountMinor;
  const product = BigInt(amountMinor) * rate.scaled * rate.multiplier;
  if (rate.divisor === 1n) return Number(product);
  const quotient = product / rate.divisor;
  const twiceRemainder = (product % rate.divisor) * 2n;
  if (twiceRemainder > rate.divisor || (twiceRemainder === rate.divisor && quotient % 2n === 1n)) {
    return Number(quotient + 1n);
  }
  return Number(quotient);
}

/**
 * A mean in US cents (unrounded, as the rates service computes it) in minor units of the rate's
 * currency, unrounded: each transport rounds it once, as it rounds US cents.
 */
export function fromUsdCents(meanUsdCents: number, rate: UsdRate): number {
  return new Big(meanUsdCents)
    .times(new Big(10).pow(rate.currency.minorDigits))
    .div(new Big(rate.usdPerUnit).times(100))
    .toNumber();
}

/**
 * US dollars per unit from a quote the other way round (units per US dollar, as Open Exchange Rates
 * publishes them), rounded half to even to {@link RATE_SIGNIFICANT_DIGITS} significant digits.
 */
export function usdPerUnitFromUnitsPerUsd(unitsPerUsd: string | number): string {
  const quote = new Big(unitsPerUsd);
  if (quote.lte(0)) throw new Error(`a quote must be greater than 0 (got ${String(unitsPerUsd)})`);
  return decimalText(new Big(1).div(quote));
}

/** Decimal text without exponent, rounded half to even to {@link RATE_SIGNIFICANT_DIGITS} significant digits. */
function decimalText(value: BigJs.Big): string {
  const rounded = value.prec(RATE_SIGNIFICANT_DIGITS, BigJs.roundHalfEven);
  const text = rounded.toFixed();
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** Is this decimal text a rate Rateline accepts (positive, digits with at most one point)? */
export function isRateText(text: string): boolean {
  return DECIMAL.test(text) && /[1-9]/.test(text);
}
