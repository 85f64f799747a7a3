import fs from 'node:fs';
import path from 'node:path';
import { convertDump } from '../../../scripts/convert-reference-dump';
import { projectRoot } from '../../../src/paths/project-root';
import { readReferenceDataset } from '../../../src/reference-data';

const dataset = readReferenceDataset();
const sharedDump = path.resolve(projectRoot(), '..', 'shared', 'data', 'rates.sql');

describe("the project's copy of the reference dataset", () => {
  it('holds what PostgreSQL holds after the whole dump ran (shared/data/README.md)', () => {
    expect(dataset.regions).toHaveLength(20);
    expect(dataset.ports).toHaveLength(143);
    expect(dataset.prices).toHaveLength(53_056);
    expect(dataset.prices.filter((p) => p.day === '2016-01-03')).toEqual([]);
    expect(dataset.prices.filter((p) => p.day === '2016-01-04')).toEqual([
      { originCode: 'CNSGH', destinationCode: 'GBFXT', day: '2016-01-04', usdCents: 100_500_00 },
    ]);
    expect(dataset.ports.find((p) => p.name === 'Marin, Pontevedra')).toBeDefined();
  });

  it('has roots without a parent and every other parent among the regions', () => {
    const slugs = new Set(dataset.regions.map((r) => r.slug));
    expect(
      dataset.regions
        .filter((r) => r.parentSlug === null)
        .map((r) => r.slug)
        .sort(),
    ).toEqual(['china_main', 'northern_europe']);
    for (const r of dataset.regions) if (r.parentSlug) expect(slugs).toContain(r.parentSlug);
    for (const p of dataset.ports) expect(slugs).toContain(p.regionSlug);
  });

  const whenDumpPresent = fs.existsSync(sharedDump) ? it : it.skip;
  whenDumpPresent(
    'is exactly what the converter makes of ../shared/data/rates.sql (skipped when ../shared is absent)',
    () => {
      const converted = convertDump(fs.readFileSync(sharedDump, 'utf8'));
      for (const [name, content] of Object.entries(converted)) {
        expect(fs.readFileSync(path.join(projectRoot(), 'reference', name), 'utf8')).toBe(content);
      }
    },
  );

  it('refuses a dump with a data statement it does not understand', () => {
    const dump =
      'COPY prices (orig_code, dest_code, day, price) FROM stdin;\nAAAAA\tBBBBB\t2016-01-01\t1\n\\.\nUPDATE prices SET price = 2;\n';
    expect(() => convertDump(dump)).toThrow(/Unsupported data statement/);
  });
});
