import fs from 'node:fs';
import path from 'node:path';
import type { Port, Region } from '../domain/model';
import { projectRoot } from '../paths/project-root';
import type { ReferenceData } from '../stores/operational';

/** One price of the reference dataset, in whole US cents. */
export interface ReferencePrice {
  readonly originCode: string;
  readonly destinationCode: string;
  readonly day: string;
  readonly usdCents: number;
}

export interface ReferenceDataset extends ReferenceData {
  readonly prices: readonly ReferencePrice[];
}

function readTsv(file: string, expectedHeader: readonly string[]): string[][] {
  const [header, ...rows] = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
  if (header?.join('\t') !== expectedHeader.join('\t')) {
    throw new Error(`${file}: expected header ${expectedHeader.join(', ')}`);
  }
  rows.forEach((row, i) => {
    if (row.length !== expectedHeader.length)
      throw new Error(`${file}:${i + 2}: expected ${expectedHeader.length} columns`);
  });
  return rows;
}

/**
 * Reads the project's copy of the reference dataset (reference/*.tsv, see reference/README.md).
 * Prices are whole dollars in the file and whole cents everywhere inside Rateline.
 */
export function readReferenceDataset(dir = path.join(projectRoot(), 'reference')): ReferenceDataset {
  const regions: Region[] = readTsv(path.join(dir, 'regions.tsv'), ['slug', 'name', 'parent_slug']).map(
    ([slug = '', name = '', parentSlug = '']) => ({ slug, name, parentSlug: parentSlug || null }),
  );
  const ports: Port[] = readTsv(path.join(dir, 'ports.tsv'), ['code', 'name', 'region_slug']).map(
    ([code = '', name = '', regionSlug = '']) => ({ code, name, regionSlug }),
  );
  const prices: ReferencePrice[] = readTsv(path.join(dir, 'prices.tsv'), [
    'origin_code',
    'destination_code',
    'day',
    'price_usd',
  ]).map(([originCode = '', destinationCode = '', day = '', price = '']) => ({
    originCode,
    destinationCode,
    day,
    usdCents: Number(price) * 100,
  }));
  return { regions, ports, prices };
}
