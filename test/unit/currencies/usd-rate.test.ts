import {
  currencyInfo,
  fromUsdCents,
  knownCurrencyCodes,
  toUsdCents,
  usdRate,
  type CurrencyInfo,
} from '../../../src/currencies';
import { usdPerUnitFromUnitsPerUsd } from '../../../src/currencies/usd-rate';

const info = (code: string) => currencyInfo(code) as CurrencyInfo;

describe('currencyInfo (ISO 4217)', () => {
  it('knows names and minor-unit digits', () => {
    expect(currencyInfo('EUR')).toEqual({ code: 'EUR', name: 'Euro', minorDigits: 2 });
    expect(currencyInfo('JPY')?.minorDigits).toBe(0);
    expect(currencyInfo('KRW')?.minorDigits).toBe(0);
    expect(currencyInfo('KWD')?.minorDigits).toBe(3);
    expect(currencyInfo('BHD')?.minorDigits).toBe(3);
    expect(currencyInfo('OMR')?.minorDigits).toBe(3);
    // Withdrawn in 2023 (Croatia joined the euro), still in the ECB rates of 2015–2021.
    expect(currencyInfo('HRK')).toEqual({ code: 'HRK', name: 'Kuna', minorDigits: 2 });
  });

  it('refuses codes that are no money or no code', () => {
    for (const code of ['XAU', 'XDR', 'XXX', 'XTS', 'CLF', 'ABC', 'eur', 'EURO', '']) {
      expect(currencyInfo(code)).toBeUndefined();
    }
    expect(knownCurrencyCodes()).toEqual(expect.arrayContaining(['EUR', 'USD', 'HRK', 'XOF']));
    expect(knownCurrencyCodes()).not.toContain('XAU');
  });
});

describe('toUsdCents (hand-computed)', () => {
  it('multiplies exactly and rounds once, half to even', () => {
    const eur = usdRate(info('EUR'), '1.0898');
    expect(toUsdCents(100_000, eur)).toBe(108_980); // 1,000.00 × 1.0898 = 1,089.80
    expect(toUsdCents(1, eur)).toBe(1); // 0.01 × 1.0898 = 1.0898 cents
    expect(toUsdCents(4, eur)).toBe(4); // 4.3592 cents
    expect(toUsdCents(5, eur)).toBe(5); // 5.449 cents
    expect(toUsdCents(999_999_999, eur)).toBe(1_089_799_999); // 9,999,999.99 × 1.0898 = 10,897,999.989102
    const half = usdRate(info('GBP'), '1.5');
    // 1.5, 4.5, 7.5, 10.5 and 13.5 cents: each half goes to the even neighbour.
    expect([1, 3, 5, 7, 9].map((minor) => toUsdCents(minor, half))).toEqual([2, 4, 8, 10, 14]);
  });

  it('handles currencies without minor units and with three', () => {
    expect(toUsdCents(120_000, usdRate(info('JPY'), '0.008397287718'))).toBe(100_767); // 1,007.67452616 USD
    expect(toUsdCents(7, usdRate(info('JPY'), '2'))).toBe(1_400); // 7 × 2 = 14 USD: multiplies, never divides
    expect(toUsdCents(1_234, usdRate(info('KWD'), '3.3'))).toBe(407); // 1.234 × 3.3 = 4.0722 USD
    expect(toUsdCents(1_005, usdRate(info('KWD'), '1'))).toBe(100); // 1.005 USD = 100.5 cents → 100 (even)
    expect(toUsdCents(1_015, usdRate(info('KWD'), '1'))).toBe(102); // 101.5 cents → 102 (even)
  });

  it('is the identity for USD', () => {
    expect(toUsdCents(123_456, usdRate(info('USD'), '1'))).toBe(123_456);
  });

  it('refuses a rate that is not a positive decimal', () => {
    expect(() => usdRate(info('EUR'), '1e3')).toThrow(/not a decimal/);
    expect(() => usdRate(info('EUR'), '-1')).toThrow(/not a decimal/);
    expect(() => usdRate(info('EUR'), '0.000')).toThrow(/greater than 0/);
  });
});

describe('fromUsdCents and inverted quotes (hand-computed)', () => {
  it('converts a mean in US cents into minor units of the currency, unrounded', () => {
    expect(fromUsdCents(125_000, usdRate(info('EUR'), '1.25'))).toBe(100_000); // 1,250 USD / 1.25 = 1,000 EUR
    expect(fromUsdCents(100, usdRate(info('JPY'), '0.008'))).toBe(125); // 1 USD / 0.008 = 125 JPY
    expect(fromUsdCents(108_980, usdRate(info('EUR'), '1.0898'))).toBe(100_000); // 1,089.80 USD = 1,000 EUR
    expect(fromUsdCents(1_000, usdRate(info('GBP'), '1.6'))).toBe(625); // 10 USD / 1.6 = 6.25 GBP
    expect(fromUsdCents(333.5, usdRate(info('GBP'), '1'))).toBe(333.5); // a mean stays unrounded
  });

  it('inverts units per US dollar to 10 significant digits, half to even', () => {
    expect(usdPerUnitFromUnitsPerUsd(0.8)).toBe('1.25');
    expect(usdPerUnitFromUnitsPerUsd(125)).toBe('0.008');
    expect(usdPerUnitFromUnitsPerUsd(0.3)).toBe('3.333333333');
    expect(usdPerUnitFromUnitsPerUsd(3)).toBe('0.3333333333');
    expect(usdPerUnitFromUnitsPerUsd(0.6)).toBe('1.666666667');
    expect(usdPerUnitFromUnitsPerUsd(15_000)).toBe('0.00006666666667');
    expect(() => usdPerUnitFromUnitsPerUsd(0)).toThrow(/greater than 0/);
  });
});
