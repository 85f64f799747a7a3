/**
 * The operation-name label's allow-list is the set of operations Rateline's own clients name: the
 * pages (web/), the examples and the docs. A new named operation there must join the list (or it would
 * be counted as `other`), and the list holds nothing else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KNOWN_OPERATION_NAMES } from '../../../src/observability/metrics';

const root = path.resolve(__dirname, '..', '..', '..');

function filesUnder(dir: string, extensions: readonly string[]): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => extensions.some((ext) => file.endsWith(ext)))
    .map((file) => path.join(root, dir, file));
}

describe('the operation names metrics label by name', () => {
  it('are exactly the named operations of the pages, examples and docs', () => {
    const sources = [
      ...filesUnder('web', ['.ts', '.html']),
      ...filesUnder('examples', ['.mjs', '.ts', '.js', '.graphql']),
      ...filesUnder('docs', ['.md']),
      path.join(root, 'README.md'),
    ];
    const named = new Set<string>();
    for (const file of sources) {
      for (const match of fs
        .readFileSync(file, 'utf8')
        .matchAll(/\b(?:query|mutation|subscription)\s+([A-Z][_0-9A-Za-z]*)\s*[({]/g)) {
        named.add(match[1]!);
      }
    }
    expect(named.size).toBeGreaterThan(3);
    expect([...KNOWN_OPERATION_NAMES].sort()).toEqual([...named].sort());
  });
});
