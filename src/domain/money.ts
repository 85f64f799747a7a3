/**
 * US cents to dollars rounded to cents (half up), as every GraphQL price and CSV column shows them.
 * Means and interpolated quartiles are fractions of a cent until this one rounding.
 */
export function centsToUsd(cents: number): number {
  return Math.round(cents) / 100;
}

export function centsToUsdOrNull(cents: number | null): number | null {
  return cents === null ? null : centsToUsd(cents);
}
