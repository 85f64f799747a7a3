import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The layering rules of docs/architecture.md, read from the sources' own import statements (with the
 * TypeScript compiler's pre-processor, so comments and strings never count as imports).
 */
const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function resolveImport(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate));
}

/** Every file under src/ (relative, with forward slashes) and the src/ files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, false);
    const targets = importedFiles
      .map((imported) => resolveImport(file, imported.fileName))
      .filter((target): target is string => target !== undefined)
      .map((target) => path.relative(SRC, target).split(path.sep).join('/'));
    graph.set(path.relative(SRC, file).split(path.sep).join('/'), targets);
  }
  return graph;
}

/** Strongly connected components with more than one member (Tarjan), each sorted. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    lowLink.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        lowLink.set(node, Math.min(lowLink.get(node)!, lowLink.get(target)!));
      } else if (onStack.has(target)) {
        lowLink.set(node, Math.min(lowLink.get(node)!, index.get(target)!));
      }
    }
    if (lowLink.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const folderOf = (file: string): string => path.posix.dirname(file);
const contains = (folder: string, other: string): boolean =>
  folder === '.' || other === folder || other.startsWith(`${folder}/`);

/**
 * Folders and the folders they import. A subfolder is part of its parent's capability (the parent
 * composes its parts, the parts share the parent's types), so imports between a folder and its own
 * subfolders are not edges; every other import between folders is.
 */
function folderGraph(files: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const graph = new Map<string, Set<string>>();
  for (const [file, targets] of files) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const target of targets.map(folderOf)) {
      if (!contains(from, target) && !contains(target, from)) edges.add(target);
    }
  }
  return new Map([...graph].map(([folder, edges]) => [folder, [...edges]]));
}

const graph = importGraph();

describe('src/ layering', () => {
  it('reads the import graph (a sanity check that the rules below see real imports)', () => {
    expect(graph.get('main.ts')).toEqual(expect.arrayContaining(['app/process.ts']));
    expect(graph.size).toBeGreaterThan(100);
  });

  it('has no import cycle between files', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    expect(cycles(folderGraph(graph))).toEqual([]);
  });

  it('keeps metrics out of the stores and the services: the composition root wires their events', () => {
    const wiredByTheRoot = /^(stores|domain|rates|analysis|ingest|locations|currencies|replication|reference-data)\//;
    const offenders = [...graph]
      .filter(([file]) => wiredByTheRoot.test(file))
      .flatMap(([file, targets]) =>
        targets.filter((target) => target.startsWith('observability/')).map((target) => `${file} -> ${target}`),
      );
    expect(offenders).toEqual([]);
  });

  it('keeps the stores independent of the app configuration: adapters take their own options', () => {
    const offenders = [...graph]
      .filter(([file]) => file.startsWith('stores/'))
      .flatMap(([file, targets]) =>
        targets.filter((target) => target.startsWith('config/')).map((target) => `${file} -> ${target}`),
      );
    expect(offenders).toEqual([]);
  });
});
