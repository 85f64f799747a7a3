import fs from 'node:fs';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Bundles of entry modules run from the sources, made once per process. */
const bundled = new Map<string, string>();

/**
 * Starts a worker thread on one of this project's modules, `entry` being its path without extension.
 * Built (dist/, `.js`) it runs as it is. Run from the sources, as jest runs them through its transform,
 * a worker thread would not go through that transform: the module is bundled first by esbuild (the
 * dev dependency that also bundles the pages), its packages left to `require`.
 */
export function startWorkerThread(entry: string, options: WorkerOptions): Worker {
  if (fs.existsSync(`${entry}.js`)) return new Worker(`${entry}.js`, options);
  let code = bundled.get(entry);
  if (code === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a dev dependency, only from the sources
    const esbuild = require('esbuild') as typeof import('esbuild');
    const output = esbuild.buildSync({
      entryPoints: [`${entry}.ts`],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      write: false,
    });
    code = output.outputFiles[0]?.text ?? '';
    bundled.set(entry, code);
  }
  return new Worker(code, { ...options, eval: true });
}
