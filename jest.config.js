/**
 * One jest project per test tier, each under test/<tier>/ mirroring src/:
 * - unit: pure logic, no server, no store, no build (npm run test:unit, seconds);
 * - integration: real SQLite, chDB and FerretDB, the service in-process;
 * - processes: the compiled entry points and scripts as processes, the compose files (needs the build);
 * - browser: the built pages in Debian's chromium (needs the build).
 * `npm test` runs them all; `jest --selectProjects <tier>` one.
 */
const TIERS = ['unit', 'integration', 'processes', 'browser'];

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  setupFiles: ['reflect-metadata'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: TIERS.map((tier) => ({ ...shared, displayName: tier, roots: [`<rootDir>/test/${tier}`] })),
  // chDB binds one engine per process and most suites start real stores: two workers fit two cores.
  maxWorkers: 2,
  testTimeout: 60_000,
};
