import { ConfigError, loadConfig } from '../../src/config';

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the documented defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.clickhouse).toMatchObject({ url: undefined, database: 'rateline', username: 'default' });
    expect(config.limits).toEqual({
      maxRatesRangeDays: 3660,
      maxQueryDepth: 10,
      maxQueryComplexity: 10_000,
      maxRequestBodyBytes: 1024 * 1024,
    });
    expect(config.seedOnEmptyStore).toBe(true);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: '/tmp/somewhere',
      LOG_LEVEL: 'debug',
      SEED_ON_EMPTY_STORE: 'false',
      CLICKHOUSE_URL: 'https://ch.example:8443',
      CLICKHOUSE_USER: 'rateline',
      CLICKHOUSE_PASSWORD: 's3cret',
      CLICKHOUSE_DATABASE: 'rates_prod',
      MAX_RATES_RANGE_DAYS: '31',
      MAX_REQUEST_BODY_BYTES: '2048',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/tmp/somewhere',
      logLevel: 'debug',
      seedOnEmptyStore: false,
      clickhouse: { url: 'https://ch.example:8443', username: 'rateline', password: 's3cret', database: 'rates_prod' },
      limits: { maxRatesRangeDays: 31, maxRequestBodyBytes: 2048 },
    });
  });

  it('names every bad variable and the value it got', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      MAX_RATES_RANGE_DAYS: '0',
      LOG_LEVEL: 'loud',
      CLICKHOUSE_URL: 'tcp://x',
    });
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: .*"eighty"/),
        expect.stringMatching(/^MAX_RATES_RANGE_DAYS: .*"0"/),
        expect.stringMatching(/^LOG_LEVEL: .*"loud"/),
        expect.stringMatching(/^CLICKHOUSE_URL: .*http/),
      ]),
    );
  });

  it('rejects a port out of range and a database name that is not an identifier', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual([expect.stringMatching(/^PORT/)]);
    expect(problemsOf({ CLICKHOUSE_DATABASE: 'rates; DROP TABLE x' })).toEqual([
      expect.stringMatching(/^CLICKHOUSE_DATABASE/),
    ]);
  });
});
