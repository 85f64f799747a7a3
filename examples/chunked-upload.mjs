// Sends a large batch through Rateline's chunked protocol and follows it to the end.
//   RATELINE_URL=http://localhost:4000 RATELINE_KEY=<ingest key, if the service has keys> node examples/chunked-upload.mjs
// Every step is safe to retry: createBatch and appendBatchItems are idempotent (same key, same chunk),
// and commitBatch answers the batch as it is when it was already committed.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env.RATELINE_URL ?? 'http://localhost:4000';
const key = process.env.RATELINE_KEY;
const headers = { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) };
const CHUNK = 10_000;

async function graphql(query, variables) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables }),
      });
      const { data, errors } = await response.json();
      if (errors) throw Object.assign(new Error(errors[0].message), { code: errors[0].extensions?.code, final: true });
      return data;
    } catch (error) {
      // Network errors and restarts of the service: retry the same request (it is idempotent).
      if (error.final || attempt === 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}

// 100,000 prices for the example: Shanghai → Trondheim, every day of 2035.
const prices = Array.from({ length: 100_000 }, (_, i) => ({
  originCode: 'CNSGH',
  destinationCode: 'NOTRD',
  day: new Date(Date.UTC(2035, 0, 1 + (i % 365))).toISOString().slice(0, 10),
  price: 1000 + (i % 500),
}));

const { createBatch: batch } = await graphql(
  'mutation($key: String!) { createBatch(input: { idempotencyKey: $key }) { id status openUntil } }',
  { key: process.env.BATCH_KEY ?? `example-${new Date().toISOString().slice(0, 10)}` },
);
console.log(`batch ${batch.id} is ${batch.status} until ${batch.openUntil}`);

for (let chunkIndex = 0; chunkIndex * CHUNK < prices.length; chunkIndex++) {
  await graphql(
    'mutation($id: ID!, $i: Int!, $items: [PriceItemInput!]!) { appendBatchItems(batchId: $id, chunkIndex: $i, items: $items) { itemCount } }',
    { id: batch.id, i: chunkIndex, items: prices.slice(chunkIndex * CHUNK, (chunkIndex + 1) * CHUNK) },
  );
}

// Follow it over graphql-ws while committing; the subscription ends when the batch is settled.
const ws = createClient({
  url: url.replace(/^http/, 'ws') + '/graphql',
  webSocketImpl: WebSocket,
  connectionParams: key ? { Authorization: `Bearer ${key}` } : {},
});
const settled = new Promise((resolve, reject) => {
  let last;
  ws.subscribe(
    {
      query: 'subscription($id: ID!) { batchProgress(id: $id) { status processedCount acceptedCount errorCount } }',
      variables: { id: batch.id },
    },
    {
      next: ({ data }) => {
        last = data.batchProgress;
        console.log(`${last.status}: ${last.processedCount} checked, ${last.acceptedCount} accepted`);
      },
      error: reject,
      complete: () => resolve(last),
    },
  );
});
const { commitBatch } = await graphql('mutation($id: ID!) { commitBatch(batchId: $id) { status } }', { id: batch.id });
console.log(`committed: ${commitBatch.status}`);
const final = await settled;
await ws.dispose();
console.log(`batch ${batch.id} settled ${final.status} with ${final.acceptedCount} prices`);
