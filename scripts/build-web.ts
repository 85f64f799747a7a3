import fs from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { projectRoot } from '../src/paths/project-root';

/**
 * `npm run build` (after tsc): bundles the browser pages from web/ into dist/web with esbuild, every
 * dependency included, so the service serves them itself and nothing loads from another host.
 *
 *   dist/web/playground.html, dist/web/dashboard.html   the pages (copied from web/<page>/index.html)
 *   dist/web/assets/playground/   GraphiQL: main.js, main.css, Monaco's workers, fonts
 *   dist/web/assets/dashboard/    the analyst page: main.js (Chart.js included), main.css, main.js.map
 *
 * The dashboard's source map is built for debugging; the service does not serve `*.map` files when
 * NODE_ENV=production (src/http/web-pages.ts), so one build serves both.
 */

const root = projectRoot();
const web = path.join(root, 'web');
const out = path.join(root, 'dist', 'web');

const common: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ['chrome120', 'firefox120', 'safari17'],
  logLevel: 'warning',
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file' },
  assetNames: '[name]-[hash]',
};

const monacoWorkers = {
  'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
  'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
  'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
};

async function main(): Promise<void> {
  const started = performance.now();
  fs.rmSync(out, { recursive: true, force: true });
  await Promise.all([
    build({
      ...common,
      entryPoints: { main: path.join(web, 'playground', 'main.ts') },
      outdir: path.join(out, 'assets', 'playground'),
      format: 'esm',
      publicPath: '/assets/playground',
    }),
    build({
      ...common,
      entryPoints: monacoWorkers,
      outdir: path.join(out, 'assets', 'playground'),
      format: 'iife',
    }),
    build({
      ...common,
      entryPoints: { main: path.join(web, 'dashboard', 'main.ts') },
      sourcemap: true,
      outdir: path.join(out, 'assets', 'dashboard'),
      format: 'esm',
      publicPath: '/assets/dashboard',
    }),
  ]);
  for (const page of ['playground', 'dashboard']) {
    fs.copyFileSync(path.join(web, page, 'index.html'), path.join(out, `${page}.html`));
  }
  console.log(
    `web pages bundled into ${path.relative(root, out)} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
