/** A Float64 from ClickHouse's JSON: NaN and infinities arrive as null (or quoted when a server quotes them). */
export function finiteOrNull(value: number | string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
