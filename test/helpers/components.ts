/**
 * Starts Rateline's real components for tests: SQLite and chDB on a fresh temporary data directory,
 * or the whole HTTP service on a free port. Everything runs for real; nothing here is a mock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Tracer } from '@opentelemetry/api';
import pino from 'pino';
import { hashApiKey } from '../../src/auth';
import { ExchangeRateService, OfflineRateProvider } from '../../src/currencies';
import { clickHouseStoreOptions, startRateline, type RunningRateline } from '../../src/app/rateline';
import { loadConfig, type Config } from '../../src/config';
import { IngestService } from '../../src/ingest';
import { ignoredIngestEvents } from './ingest-events';
import { readReferenceDataset } from '../../src/reference-data';
import { openClickHouseAnalyticsStore, type AnalyticsStore } from '../../src/stores/analytics';
import { createClickHouseClient } from '../../src/stores/analytics/clickhouse/client';
import { openSqliteOperationalStore, type OperationalStore } from '../../src/stores/operational';

export const silentLog = pino({ level: 'silent' });

export interface CapturedLog {
  readonly log: pino.Logger;
  /** Every line logged so far, parsed. */
  lines(): Record<string, unknown>[];
}

/** A real pino logger whose JSON lines are kept in memory, for tests that check what was logged. */
export function captureLog(level: pino.Level = 'info'): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level, base: { service: 'rateline' } }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines: () => [...lines] };
}

export function temporaryDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rateline-test-'));
}

export function removeDataDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** API_KEYS for a service with these keys (by name) and their roles (`ingest`, `read+ingest`, …). */
export function apiKeysSetting<Name extends string>(keys: Record<Name, string>, roles: Record<Name, string>): string {
  return (Object.keys(keys) as Name[])
    .map((name) => `${name}:${roles[name]}:${hashApiKey(keys[name]).toString('hex')}`)
    .join(',');
}

export function testConfig(dataDir: string, env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', ...env });
}

export function openSqliteStore(dataDir: string): OperationalStore {
  return openSqliteOperationalStore({ dataDir });
}

export function openChdbStore(dataDir: string): Promise<AnalyticsStore> {
  return openClickHouseAnalyticsStore(clickHouseStoreOptions(testConfig(dataDir).clickhouse));
}

/** A bare client on the chDB under `dataDir`, for raw SQL on what a stopped process left there. */
export function openChdbClient(dataDir: string): ClickHouseClient {
  return createClickHouseClient(clickHouseStoreOptions(testConfig(dataDir).clickhouse).engine);
}

/** SQLite and chDB on a fresh data directory, with the reference data and the write path over them. */
export interface EmbeddedStores {
  readonly dataDir: string;
  readonly operational: OperationalStore;
  readonly analytics: AnalyticsStore;
  readonly ingest: IngestService;
}

export async function openEmbeddedStores(): Promise<EmbeddedStores> {
  const dataDir = temporaryDataDir();
  const operational = openSqliteStore(dataDir);
  const analytics = await openChdbStore(dataDir);
  await operational.referenceData.upsert(readReferenceDataset());
  return { dataDir, operational, analytics, ingest: ingestFor(operational) };
}

/** The write path over a store, with the offline exchange rates. */
export function ingestFor(operational: OperationalStore): IngestService {
  const limits = {
    maxBatchItems: 100_000,
    maxChunkedBatchItems: 1_000_000,
    openBatchTtlMs: 60_000,
    maxRatesRangeDays: 3660,
  };
  const exchangeRates = new ExchangeRateService(new OfflineRateProvider(operational.exchangeRates));
  return new IngestService(operational, limits, exchangeRates, ignoredIngestEvents);
}

export async function closeEmbeddedStores(stores: EmbeddedStores): Promise<void> {
  await stores.operational.close();
  await stores.analytics.close();
  removeDataDir(stores.dataDir);
}

export interface GraphqlResponse<Data> {
  status: number;
  data?: Data | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface TestService {
  readonly running: RunningRateline;
  readonly dataDir: string;
  graphql<Data = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphqlResponse<Data>>;
  get(pathAndQuery: string, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

/** The whole service on a free port, with the reference dataset loaded as on a first start. */
export async function startTestService(
  env: NodeJS.ProcessEnv = {},
  log: pino.Logger = silentLog,
  tracer?: Tracer,
): Promise<TestService> {
  const dataDir = temporaryDataDir();
  const running = await startRateline(testConfig(dataDir, env), log, tracer);
  return {
    running,
    dataDir,
    async graphql<Data>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as Omit<GraphqlResponse<Data>, 'status'>) };
    },
    async get(pathAndQuery: string, headers: Record<string, string> = {}) {
      const response = await fetch(`${running.url}${pathAndQuery}`, { headers });
      return { status: response.status, body: await response.json() };
    },
    async stop() {
      await running.close();
      removeDataDir(dataDir);
    },
  };
}
