/**
 * Rate sheets for the tests of POST /batches: sheets made here, and the numbers expected of them
 * computed here, by the tests' own calendar arithmetic, never by the code under test.
 */

/** The days from..to, both included. */
export function daysFrom(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** How many times each day occurs. */
export function tally(days: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const day of days) counts.set(day, (counts.get(day) ?? 0) + 1);
  return counts;
}

/** A CSV sheet of `count` day rows on one lane over 2044, one price per line, and the day of each. */
export function daySheet(origin: string, destination: string, count: number): { text: string; days: string[] } {
  const year = daysFrom('2044-01-01', '2044-12-31');
  const days = Array.from({ length: count }, (_, i) => year[i % year.length] as string);
  const lines = days.map((day, i) => `${origin},${destination},${day},${1000 + (i % 97)}`);
  return { text: `origin,destination,day,price\n${lines.join('\n')}\n`, days };
}

/** `rates` with minPrices 1, for the prices counted per day on a lane. */
export const COUNTED_PER_DAY = `query($o: String!, $d: String!, $f: Date!, $t: Date!) {
  rates(origin: $o, destination: $d, dateFrom: $f, dateTo: $t, minPrices: 1) { day priceCount } }`;

/** The days of a `rates` answer that count any price, with their counts. */
export function countedDays(rates: readonly { day: string; priceCount: number }[]): Map<string, number> {
  return new Map(rates.filter((r) => r.priceCount > 0).map((r) => [r.day, r.priceCount]));
}
