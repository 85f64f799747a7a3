import fs from 'node:fs';
import path from 'node:path';
import {
  CARRY_OVER_DAYS,
  ExchangeRateService,
  OfflineRateProvider,
  importExchangeRates,
  loadShippedExchangeRates,
  readExchangeRateFile,
  shippedExchangeRatesFile,
} from '../../../src/currencies';
import { addDays, formatDay, parseDay, type EpochDay } from '../../../src/domain/day';
import type { OperationalStore } from '../../../src/stores/operational';
import { openSqliteStore, removeDataDir, silentLog, temporaryDataDir } from '../../helpers/components';
import { ENTRY_POINTS, processScope } from '../../helpers/processes';

const d = (text: string) => parseDay(text) as EpochDay;

let dataDir: string;
let store: OperationalStore;
let exchangeRates: ExchangeRateService;

function writeFile(name: string, content: string): string {
  const file = path.join(dataDir, name);
  fs.writeFileSync(file, content);
  return file;
}

beforeEach(() => {
  dataDir = temporaryDataDir();
  store = openSqliteStore(dataDir);
  exchangeRates = new ExchangeRateService(new OfflineRateProvider(store.exchangeRates), { supportedTtlMs: 0 });
});
afterEach(async () => {
  await store.close();
  removeDataDir(dataDir);
});

describe('the rates file format', () => {
  it('reads day,currency,usd_per_unit lines and names its content', () => {
    const file = writeFile(
      'rates.csv',
      'day,currency,usd_per_unit\n2016-01-04,EUR,1.0898\r\n2016-01-04,JPY,0.0084\n\n',
    );
    const read = readExchangeRateFile(file);
    expect(read.rates).toEqual([
      { currency: 'EUR', day: d('2016-01-04'), usdPerUnit: '1.0898' },
      { currency: 'JPY', day: d('2016-01-04'), usdPerUnit: '0.0084' },
    ]);
    expect(read.source).toMatch(/^rates\.csv sha256:[0-9a-f]{16}$/);
  });

  it('refuses a file with any bad line, naming each one', () => {
    const file = writeFile(
      'bad.csv',
      [
        'day,currency,usd_per_unit',
        '2016-02-30,EUR,1.08',
        '2016-01-04,USD,1',
        '2016-01-04,ABC,1',
        '2016-01-04,EUR,1e-3',
        '2016-01-04,EUR,0',
        '2016-01-05,EUR,1.07',
        '2016-01-05,EUR,1.07',
        '2016-01-06,EUR',
      ].join('\n'),
    );
    expect(() => readExchangeRateFile(file)).toThrow(
      new RegExp(
        [
          '7 bad lines, nothing loaded',
          'line 2: the day must be a calendar day',
          'line 3: USD is the base',
          'line 4: ABC is not an ISO 4217 currency code',
          'line 5: usd_per_unit must be a positive decimal',
          'line 6: usd_per_unit must be a positive decimal',
          'line 8: EUR on 2016-01-05 is already on line 7',
          'line 9: expected 3 fields',
        ].join('[^]*'),
      ),
    );
    expect(() => readExchangeRateFile(writeFile('headless.csv', '2016-01-04,EUR,1.0898\n'))).toThrow(/header/);
  });
});

describe('the shipped ECB table', () => {
  it('holds the ECB reference rates as US dollars per unit', () => {
    const { rates } = readExchangeRateFile(shippedExchangeRatesFile());
    const on = (currency: string, day: string) =>
      rates.find((r) => r.currency === currency && r.day === d(day))?.usdPerUnit;
    // ECB, 2016-01-04: 1 EUR = 1.0898 USD = 0.7381 GBP = 129.78 JPY.
    expect(on('EUR', '2016-01-04')).toBe('1.0898');
    expect(Number(on('GBP', '2016-01-04')) * 0.7381).toBeCloseTo(1.0898, 9);
    expect(Number(on('JPY', '2016-01-04')) * 129.78).toBeCloseTo(1.0898, 9);
    // Working days only: no rate on Sunday 2016-01-03.
    expect(on('EUR', '2016-01-03')).toBeUndefined();
    const currencies = new Set(rates.map((r) => r.currency));
    for (const major of [
      'EUR',
      'GBP',
      'JPY',
      'CNY',
      'CHF',
      'CAD',
      'AUD',
      'HKD',
      'SGD',
      'KRW',
      'INR',
      'SEK',
      'NOK',
      'DKK',
    ]) {
      expect(currencies).toContain(major);
    }
    expect(currencies).not.toContain('USD');
  });

  it('loads once per content, and then converts every day from 2015 to 2021 (weekends and holidays carried over)', async () => {
    const first = await loadShippedExchangeRates(store.exchangeRates, silentLog);
    expect(first.written).toBe(first.rates);
    expect(first.rates).toBeGreaterThan(50_000);
    expect(await loadShippedExchangeRates(store.exchangeRates, silentLog)).toEqual({
      source: first.source,
      rates: 0,
      written: 0,
    });

    const days = Array.from({ length: 2557 }, (_, i) => formatDay(addDays(d('2015-01-01'), i)));
    expect(days.at(-1)).toBe('2021-12-31');
    const lookup = await exchangeRates.lookup(days.map((day) => ({ currency: 'EUR', day })));
    expect(days.filter((day) => lookup.rateOn('EUR', d(day)) === undefined)).toEqual([]);
    // Sunday 2016-01-03 takes Thursday 2015-12-31 (Friday 2016-01-01 was a holiday): 1 EUR = 1.0887 USD.
    expect(lookup.rateOn('EUR', d('2016-01-03'))?.usdPerUnit).toBe('1.0887');
    // Past the table's end by more than CARRY_OVER_DAYS: no rate.
    const after = formatDay(addDays(d('2021-12-31'), CARRY_OVER_DAYS + 1));
    expect((await exchangeRates.lookup([{ currency: 'EUR', day: after }])).rateOn('EUR', d(after))).toBeUndefined();
  });
});

describe('ExchangeRateService over the offline table', () => {
  beforeEach(async () => {
    await loadShippedExchangeRates(store.exchangeRates, silentLog);
  });

  it('lists USD and every currency of the table with its period', async () => {
    const currencies = await exchangeRates.currencies();
    expect(currencies[0]).toEqual({
      code: 'AUD',
      name: 'Australian Dollar',
      minorDigits: 2,
      firstDay: '2014-12-31',
      lastDay: '2021-12-31',
    });
    expect(currencies.find((c) => c.code === 'USD')).toEqual({
      code: 'USD',
      name: 'US Dollar',
      minorDigits: 2,
      firstDay: null,
      lastDay: null,
    });
    expect(currencies.find((c) => c.code === 'JPY')).toMatchObject({ minorDigits: 0 });
    expect(currencies.map((c) => c.code)).toEqual([...currencies.map((c) => c.code)].sort());
  });

  it('answers one rate, or says what is wrong', async () => {
    expect((await exchangeRates.rate('EUR', '2016-01-04')).usdPerUnit).toBe('1.0898');
    expect((await exchangeRates.rate('USD', '2030-01-01')).usdPerUnit).toBe('1');
    await expect(exchangeRates.rate('EUR', '2016-02-30')).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'day',
    });
    await expect(exchangeRates.rate('eur', '2016-01-04')).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'currency',
    });
    await expect(exchangeRates.rate('AED', '2016-01-04')).rejects.toMatchObject({
      code: 'UNSUPPORTED_CURRENCY',
      field: 'currency',
      value: 'AED',
      message: expect.stringContaining('AED'),
    });
    await expect(exchangeRates.rate('EUR', '2030-01-01')).rejects.toMatchObject({
      code: 'RATE_UNAVAILABLE',
      field: 'day',
      value: '2030-01-01',
      message: expect.stringMatching(/EUR.*2030-01-01/),
    });
  });

  it('imports more rates: a new currency becomes supported, a rate already there is replaced', async () => {
    const file = writeFile('more.csv', 'day,currency,usd_per_unit\n2016-01-04,AED,0.2722570\n2016-01-04,EUR,1.09\n');
    expect(await importExchangeRates(store.exchangeRates, file)).toEqual({
      source: expect.stringMatching(/^more\.csv sha256:/),
      rates: 2,
      written: 2,
    });
    expect((await exchangeRates.rate('AED', '2016-01-04')).usdPerUnit).toBe('0.2722570');
    expect((await exchangeRates.rate('EUR', '2016-01-04')).usdPerUnit).toBe('1.09');
    expect(await importExchangeRates(store.exchangeRates, file)).toMatchObject({ written: 0 });
  });
});

describe('node dist/scripts/import-exchange-rates.js (npm run rates:import FILE)', () => {
  const processes = processScope();

  it('loads a file into the configured store, and refuses a bad one without loading any of it', async () => {
    const good = writeFile('good.csv', 'day,currency,usd_per_unit\n2016-01-04,AED,0.2722\n2016-01-05,AED,0.2723\n');
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    const run = processes.start(ENTRY_POINTS.ratesImport, env, { args: [good] });
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/imported 2 exchange rates \(2 new or changed\)/);
    expect(await store.exchangeRates.ratesFor('offline', [{ currency: 'AED', day: d('2016-01-05') }])).toEqual([
      '0.2723',
    ]);

    const bad = writeFile('bad.csv', 'day,currency,usd_per_unit\n2016-01-06,AED,0.2724\n2016-01-07,AED,oops\n');
    const refused = processes.start(ENTRY_POINTS.ratesImport, env, { args: [bad] });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toMatch(/line 3: usd_per_unit must be a positive decimal/);
    expect(await store.exchangeRates.ratesFor('offline', [{ currency: 'AED', day: d('2016-01-06') }])).toEqual([
      undefined,
    ]);

    const usage = processes.start(ENTRY_POINTS.ratesImport, env);
    expect(await usage.exited).toBe(64);
    expect(usage.output()).toMatch(/usage: npm run rates:import FILE/);
  });
});
