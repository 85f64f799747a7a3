/**
 * The README's chunked-upload client (examples/chunked-upload.mjs) run as it is against the service:
 * the documented protocol and its output stay true.
 */
import path from 'node:path';
import { projectRoot } from '../../../src/paths/project-root';
import { startTestService, type TestService } from '../../helpers/components';
import { eventually } from '../../helpers/eventually';
import { processScope } from '../../helpers/processes';

const processes = processScope();

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ WORKER_POLL_INTERVAL_MS: '50' });
});
afterAll(async () => {
  await service.stop();
});

async function runExample(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const example = processes.start(path.join(projectRoot(), 'examples', 'chunked-upload.mjs'), env);
  return { code: await example.exited, output: example.output() };
}

it('uploads 100,000 prices in 10 chunks, follows the batch to ACCEPTED, and they count', async () => {
  const { code, output } = await runExample({ RATELINE_URL: service.running.url, BATCH_KEY: 'readme-example' });
  expect(output).toMatch(/^batch \S+ is OPEN until \d{4}-\d\d-\d\dT/m);
  expect(output).toMatch(/^committed: (COMMITTED|PROCESSING|ACCEPTED)$/m);
  expect(output).toMatch(/^batch \S+ settled ACCEPTED with 100000 prices$/m);
  expect(code).toBe(0);
  const id = /^batch (\S+) settled/m.exec(output)?.[1] as string;
  await eventually(
    () =>
      service.graphql<{ batch: { replicatedAt: string | null } }>(
        'query($id: ID!) { batch(id: $id) { replicatedAt } }',
        {
          id,
        },
      ),
    (answer) => Boolean(answer.data?.batch.replicatedAt),
    { what: `batch ${id} replicated`, timeoutMs: 10_000 },
  );
  // Every day of 2035 holds 100,000 / 365 prices (273 or 274), from the example's own arithmetic.
  const counts = async () => {
    const rates = await service.graphql<{ rates: { priceCount: number }[] }>(
      '{ rates(origin: "CNSGH", destination: "NOTRD", dateFrom: "2035-01-01", dateTo: "2035-12-31") { priceCount } }',
    );
    return rates.data?.rates.map((r) => r.priceCount) ?? [];
  };
  const first = await counts();
  expect(first).toHaveLength(365);
  expect(first.reduce((sum, n) => sum + n, 0)).toBe(100_000);
  expect(new Set(first)).toEqual(new Set([273, 274]));
  // Run again with the same key: every step is a retry, nothing is counted twice.
  const again = await runExample({ RATELINE_URL: service.running.url, BATCH_KEY: 'readme-example' });
  expect(again.output).toMatch(/^batch \S+ settled ACCEPTED with 100000 prices$/m);
  expect(again.output).toContain(id);
  expect(await counts()).toEqual(first);
}, 120_000);
