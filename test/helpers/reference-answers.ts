/**
 * The rates question answered straight from its definition over the raw reference files
 * (reference/*.tsv), sharing no code with Rateline: an independent oracle for the acceptance tests.
 */
import fs from 'node:fs';
import path from 'node:path';

const referenceDir = path.resolve(__dirname, '..', '..', 'reference');

function rows(file: string): string[][] {
  return fs
    .readFileSync(path.join(referenceDir, file), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'));
}

export const rawRegions = rows('regions.tsv').map(([slug, name, parent]) => ({
  slug: slug!,
  name: name!,
  parent: parent || null,
}));
export const rawPorts = rows('ports.tsv').map(([code, name, region]) => ({
  code: code!,
  name: name!,
  region: region!,
}));
export const rawPrices = rows('prices.tsv').map(([origin, destination, day, price]) => ({
  origin: origin!,
  destination: destination!,
  day: day!,
  price: Number(price),
}));

/** Slugs of the region and every region below it. */
export function regionAndDescendants(slug: string): Set<string> {
  const found = new Set([slug]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of rawRegions) {
      if (r.parent && found.has(r.parent) && !found.has(r.slug)) {
        found.add(r.slug);
        grew = true;
      }
    }
  }
  return found;
}

export function portsOf(location: string): Set<string> {
  if (rawPorts.some((p) => p.code === location)) return new Set([location]);
  const regions = regionAndDescendants(location);
  return new Set(rawPorts.filter((p) => regions.has(p.region)).map((p) => p.code));
}

function everyDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

export interface ExpectedDay {
  day: string;
  priceCount: number;
  sum: number;
}

export function expectedDays(origin: string, destination: string, from: string, to: string): ExpectedDay[] {
  const origins = portsOf(origin);
  const destinations = portsOf(destination);
  return everyDay(from, to).map((day) => {
    const prices = rawPrices.filter((p) => p.day === day && origins.has(p.origin) && destinations.has(p.destination));
    return { day, priceCount: prices.length, sum: prices.reduce((s, p) => s + p.price, 0) };
  });
}

/** What GraphQL `rates` must answer: mean rounded to cents, null under `minPrices`. */
export interface ExpectedGraphqlRate {
  day: string;
  averagePrice: number | null;
  priceCount: number;
}

export function expectedGraphqlRates(
  origin: string,
  destination: string,
  from: string,
  to: string,
  minPrices = 3,
): ExpectedGraphqlRate[] {
  return expectedDays(origin, destination, from, to).map(({ day, priceCount, sum }) => ({
    day,
    averagePrice: priceCount >= minPrices ? Math.round((sum * 100) / priceCount) / 100 : null,
    priceCount,
  }));
}

/** What the legacy REST call must answer: mean rounded to whole dollars, null under 3 prices. */
export function expectedRestRates(
  origin: string,
  destination: string,
  from: string,
  to: string,
): { day: string; average_price: number | null }[] {
  return expectedDays(origin, destination, from, to).map(({ day, priceCount, sum }) => ({
    day,
    average_price: priceCount >= 3 ? Math.round(sum / priceCount) : null,
  }));
}
