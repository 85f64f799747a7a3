/**
 * The README's rate sheet upload run as written: `curl -T examples/rate-sheet.csv -X POST` against the
 * service answers 202 with the committed batch, which settles ACCEPTED, and every price of the example
 * file counts, per lane and day as computed here from the file itself.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../../src/paths/project-root';
import { startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { COUNTED_PER_DAY, countedDays, daysFrom, tally } from '../../helpers/rate-sheets';

const SHEET = path.join(projectRoot(), 'examples', 'rate-sheet.csv');

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ WORKER_POLL_INTERVAL_MS: '50' });
});
afterAll(() => service.stop());

/** The example's prices per lane and year (a query covers at most ten years), each day of a range once, from the file's own lines. */
function expectedByLane(): Map<string, string[]> {
  const [header, ...lines] = fs.readFileSync(SHEET, 'utf8').trim().split('\n');
  const columns = (header as string).split(',');
  const byLane = new Map<string, string[]>();
  for (const line of lines) {
    const row: Record<string, string> = Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell]));
    const days = row.day ? [row.day] : daysFrom(row.date_from ?? '', row.date_to ?? '');
    const lane = `${row.origin}>${row.destination}>${days[0]?.slice(0, 4)}`;
    byLane.set(lane, [...(byLane.get(lane) ?? []), ...days]);
  }
  return byLane;
}

it('uploads the example sheet with curl, and every price of it counts', async () => {
  const { stdout } = await promisify(execFile)('curl', [
    '-s',
    '-T',
    SHEET,
    '-X',
    'POST',
    '-H',
    'Content-Type: text/csv',
    `${service.running.url}/batches?idempotencyKey=rate-sheet-example`,
  ]);
  const committed = JSON.parse(stdout) as { id: string; status: string; itemCount: number };
  const expected = expectedByLane();
  const items = [...expected.values()].reduce((sum, days) => sum + days.length, 0);
  expect(committed).toMatchObject({ status: 'COMMITTED', itemCount: items });
  await eventually(
    () => service.get(`/batches/${committed.id}`),
    (answer) => (answer.body as { replicatedAt: string | null }).replicatedAt !== null,
    { what: 'the example sheet counted', timeoutMs: 20_000 },
  );
  expect((await service.get(`/batches/${committed.id}`)).body).toMatchObject({
    status: 'ACCEPTED',
    acceptedCount: items,
  });
  for (const [lane, days] of expected) {
    const [origin, destination] = lane.split('>');
    const sorted = [...days].sort();
    const answer = await service.graphql<{ rates: { day: string; priceCount: number }[] }>(COUNTED_PER_DAY, {
      o: origin,
      d: destination,
      f: sorted[0],
      t: sorted.at(-1),
    });
    expect([lane, countedDays(answer.data?.rates ?? [])]).toEqual([lane, tally(days)]);
  }
}, 60_000);
