import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { readReferenceDataset } from '../../src/reference-data';
import { collectGarbage, type BenchContext, type BenchSection } from './context';
import { formatCount, formatMet, formatSeconds, type BenchRow } from './stats';
import { DEFAULT_SYNTHETIC_OPTIONS, syntheticLanes, type SyntheticLane } from './synthetic-prices';

/**
 * A rate sheet as one file (issue 16): a CSV of BENCH_UPLOAD_LINES (5,000,000) price lines on the
 * reference dataset's lanes, days of 2023 (outside the synthetic years and the other sections'),
 * written to a temporary file as a stream, then sent to `POST /batches` in one streaming request.
 * Timed from the first byte sent to the answer (the body read and committed) and to the moment the
 * batch reads `replicatedAt` (its prices counted in analytics, checked against ClickHouse directly),
 * while the resident memory of the process that serves it is sampled: the issue's bar is less than
 * 200 MB of growth, whatever the file's size. The service runs in the bench's own process, so the
 * samples include the client, which streams the file from disk and holds none of it.
 *
 * Environment: BENCH_UPLOAD_LINES (5,000,000). The upload needs HTTP_REQUEST_TIMEOUT_MS longer than it
 * takes: the section restarts the service with 30 minutes when the setting is shorter.
 */

const DEFAULT_LINES = 5_000_000;
const TARGET_RSS_GROWTH_MB = 200;
const REQUEST_TIMEOUT_MS = 30 * 60_000;
const RSS_SAMPLE_MS = 100;
const DAYS_2023 = Array.from({ length: 365 }, (_, i) => new Date(Date.UTC(2023, 0, 1 + i)).toISOString().slice(0, 10));

function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name]?.trim().replace(/[_,]/g, '');
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive whole number (got "${raw}")`);
  return Number(raw);
}

/** Writes the sheet line by line, waiting whenever the file's buffer is full: never the file in memory. */
async function writeSheet(file: string, lines: number, lanes: readonly SyntheticLane[]): Promise<void> {
  const out = fs.createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('origin,destination,day,price\n');
  let block = '';
  for (let i = 0; i < lines; i += 1) {
    const lane = lanes[i % lanes.length] as SyntheticLane;
    const day = DAYS_2023[Math.floor(i / lanes.length) % DAYS_2023.length] as string;
    block += `${lane.origin},${lane.destination},${day},${Math.round(lane.meanUsd * (85 + (i % 31))) / 100}\n`;
    if (block.length > 1 << 16) {
      await write(block);
      block = '';
    }
  }
  await write(block);
  out.end();
  await once(out, 'finish');
}

/** The resident set of a process in MB, from /proc (the kernel's own figure, not V8's). */
function residentMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

interface UploadAnswer {
  readonly status: number;
  readonly body: { id?: string; status?: string; itemCount?: number; error?: unknown };
}

/** Streams `file` as the body of one POST /batches; resolves with the answer. */
async function upload(url: string, apiKey: string, key: string, file: string): Promise<UploadAnswer> {
  const request = http.request(`${url}/batches?idempotencyKey=${encodeURIComponent(key)}`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${apiKey}`, 'transfer-encoding': 'chunked' },
  });
  const answered = once(request, 'response') as Promise<[http.IncomingMessage]>;
  fs.createReadStream(file).pipe(request);
  const [response] = await answered;
  let text = '';
  for await (const chunk of response) text += (chunk as Buffer).toString();
  return { status: response.statusCode ?? 0, body: JSON.parse(text) as UploadAnswer['body'] };
}

async function batchStatus(url: string, apiKey: string, id: string) {
  const response = await fetch(`${url}/batches/${id}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return (await response.json()) as { status: string; acceptedCount: number; replicatedAt: string | null };
}

export const fileUploadSection: BenchSection = {
  name: 'upload',
  async run(context: BenchContext): Promise<BenchRow[]> {
    const lines = fromEnv('BENCH_UPLOAD_LINES', DEFAULT_LINES);
    if (context.config.http.requestTimeoutMs < REQUEST_TIMEOUT_MS) {
      await context.restartService({ HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
    }
    const lanes = syntheticLanes(readReferenceDataset(), DEFAULT_SYNTHETIC_OPTIONS.seed);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rateline-bench-sheet-'));
    const file = path.join(dir, 'sheet.csv');
    try {
      context.progress(`upload: writing a ${formatCount(lines)}-line CSV to ${file}`);
      await writeSheet(file, lines, lanes);
      context.progress(`upload: ${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MB written; uploading`);
      collectGarbage();
      const url = context.running.url;
      // The service serves from this process (run.ts starts it in-process).
      const servicePid = process.pid;
      const baseline = residentMb(servicePid);
      const baselineUsage = process.memoryUsage();
      let peak = baseline;
      // V8's share of the peak (the rest is native: SQLite's, chDB's, malloc's): where the growth is.
      let usageAtPeak = baselineUsage;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const resident = residentMb(servicePid);
          if (resident > peak) {
            peak = resident;
            usageAtPeak = process.memoryUsage();
          }
          await sleep(RSS_SAMPLE_MS);
        }
      })();
      const start = performance.now();
      const startedAt = Date.now();
      const answer = await upload(url, context.apiKey, `bench-sheet-${randomUUID()}`, file);
      const answeredSeconds = (performance.now() - start) / 1000;
      // Until the answer only the upload runs; after it the worker checks and the replicator copies.
      const peakWhileUploading = peak;
      const id = answer.body.id;
      if (answer.status !== 202 || id === undefined || answer.body.itemCount !== lines) {
        throw new Error(`upload: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 1_000)}`);
      }
      let batch = await batchStatus(url, context.apiKey, id);
      while (!batch.replicatedAt) {
        if (performance.now() - start > REQUEST_TIMEOUT_MS) throw new Error(`batch ${id} not counted in time`);
        await sleep(100);
        batch = await batchStatus(url, context.apiKey, id);
      }
      sampling = false;
      await sampler;
      const countedSeconds = (Date.parse(batch.replicatedAt) - startedAt) / 1000;
      if (batch.status !== 'ACCEPTED' || batch.acceptedCount !== lines) {
        throw new Error(`batch ${id} is ${batch.status} with ${batch.acceptedCount} of ${lines} prices`);
      }
      const result = await context.direct.query({
        query: `SELECT count() AS n FROM ${context.config.clickhouse.database}.prices WHERE batch_id = {id:String}`,
        query_params: { id },
        format: 'JSONEachRow',
      });
      const counted = Number((await result.json<{ n: number | string }>())[0]?.n ?? 0);
      if (counted !== lines) throw new Error(`analytics hold ${counted} prices of batch ${id}, not ${lines}`);
      const uploadGrowth = peakWhileUploading - baseline;
      const growth = peak - baseline;
      context.progress(
        `upload: answered after ${formatSeconds(answeredSeconds)}, counted after ${formatSeconds(countedSeconds)} ` +
          `(${formatCount(Math.round(lines / countedSeconds))} prices/s); RSS ${baseline.toFixed(0)} MB → ` +
          `${peakWhileUploading.toFixed(0)} MB at most until the answer, ${peak.toFixed(0)} MB until counted`,
      );
      const grewMb = (field: 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers') =>
        (usageAtPeak[field] - baselineUsage[field]) / 2 ** 20;
      context.progress(
        `upload: growth at the peak ${growth.toFixed(0)} MB: V8 heap ${grewMb('heapTotal').toFixed(0)} MB ` +
          `(used ${grewMb('heapUsed').toFixed(0)} MB), external ${grewMb('external').toFixed(0)} MB ` +
          `(array buffers ${grewMb('arrayBuffers').toFixed(0)} MB), native rest ` +
          `${(growth - grewMb('heapTotal') - grewMb('external')).toFixed(0)} MB`,
      );
      const name = `CSV sheet of ${formatCount(lines)} lines, one streaming POST /batches`;
      return [
        {
          name: `${name}: first byte → answered (read, committed)`,
          cells: new Map([['whole run', formatSeconds(answeredSeconds)]]),
        },
        {
          name: `${name}: first byte → counted in analytics`,
          cells: new Map([['whole run', formatSeconds(countedSeconds)]]),
        },
        {
          name: `${name}: prices/s, first byte → counted`,
          cells: new Map([['whole run', `${formatCount(Math.round(lines / countedSeconds))} prices/s`]]),
        },
        {
          name: `${name}: resident memory growth of the serving process until answered (peak − before)`,
          cells: new Map([
            ['whole run', `${uploadGrowth.toFixed(0)} MB`],
            ['target', `< ${TARGET_RSS_GROWTH_MB} MB`],
            ['met', formatMet(uploadGrowth < TARGET_RSS_GROWTH_MB)],
          ]),
        },
        {
          name: `${name}: resident memory growth of the serving process until counted (peak − before)`,
          cells: new Map([
            ['whole run', `${growth.toFixed(0)} MB`],
            ['target', `< ${TARGET_RSS_GROWTH_MB} MB`],
            ['met', formatMet(growth < TARGET_RSS_GROWTH_MB)],
          ]),
        },
      ];
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
