import { Router, type Request, type Response } from 'express';
import { requireRole, batchActorOf, type Principal } from '../auth';
import type { Batch, BatchItemError } from '../domain/batch';
import { RatelineError } from '../domain/errors';
import type { BatchQueries, IngestService, SheetRow } from '../ingest';
import { sheetUploadParameters } from './parameters';
import { csvRows, ndjsonRows, type SheetReader } from './rate-sheets';

/** The media types a rate sheet may come as, and their readers. */
const SHEET_READERS: Readonly<Record<string, SheetReader>> = {
  'text/csv': csvRows,
  'application/x-ndjson': ndjsonRows,
};

/**
 * Rate sheets as files, and batches as JSON:
 *
 *   POST /batches?idempotencyKey=…[&skipInvalid=true]   Content-Type: text/csv | application/x-ndjson
 *     (or the headers Idempotency-Key, Rateline-Skip-Invalid): the file streamed into one chunked batch
 *     (IngestService.uploadSheet), answered 202 with the batch once the body is read and committed.
 *   GET /batches/:id: the batch, as GraphQL `batch(id)` sees it (another supplier's is NOT_FOUND).
 *
 * The key, the parameters, the media type and the sheet's header (or its first line) are checked
 * before any batch is opened. Roles as GraphQL's: `ingest` uploads, `ingest` or `admin` reads.
 */
export function batchRoutes(
  services: { readonly ingest: IngestService; readonly batches: BatchQueries },
  principalOf: (res: Response) => Principal,
  /** The caller's next write turn, for each chunk of a sheet; `left` fires when the client goes away. */
  takeTurn: (res: Response, left: AbortSignal) => Promise<() => void>,
): Router {
  const router = Router();

  router.post('/', async (req: Request, res: Response) => {
    const principal = principalOf(res);
    requireRole(principal, ['ingest'], 'POST /batches');
    const input = sheetUploadParameters(req.query, req.headers);
    const rows = readerOf(req)(req);
    const left = new AbortController();
    req.once('close', () => {
      if (!req.complete) left.abort(clientGone());
    });
    try {
      // Reading the first row checks the CSV header; a body without a row is refused before any batch is opened.
      const first = await rows.next();
      if (first.done) throw new RatelineError('BAD_USER_INPUT', 'The sheet holds no row', 'body', null);
      const batch = await services.ingest.uploadSheet(
        batchActorOf(principal),
        input,
        prepended(first.value, rows),
        () => takeTurn(res, left.signal),
      );
      res.status(202).json(batchJson(batch));
    } catch (error) {
      throw req.readableAborted ? clientGone() : error;
    } finally {
      // A batch answered without reading the whole body (committed before, or refused): the reader drops the rest.
      await rows.return(undefined);
    }
  });

  router.get('/:id', async (req: Request<{ id: string }>, res: Response) => {
    const principal = principalOf(res);
    requireRole(principal, ['ingest', 'admin'], 'GET /batches/:id');
    const batch = await services.batches.forRequest(batchActorOf(principal)).batch(req.params.id);
    if (!batch) {
      throw new RatelineError('NOT_FOUND', `No batch has the id ${JSON.stringify(req.params.id)}`, 'id', req.params.id);
    }
    res.json(batchJson(batch));
  });

  return router;
}

/** The reader of the request's media type: text/csv or application/x-ndjson, in UTF-8, not compressed. */
function readerOf(req: Request): SheetReader {
  const [type = '', ...parameters] = (req.headers['content-type'] ?? '').split(';').map((p) => p.trim());
  const charset = parameters
    .map((p) => /^charset\s*=\s*"?([^"]*)"?$/i.exec(p)?.[1]?.toLowerCase())
    .find((c) => c !== undefined);
  const reader = SHEET_READERS[type.toLowerCase()];
  if (!reader || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    throw new RatelineError(
      'UNSUPPORTED_MEDIA_TYPE',
      `POST /batches takes a rate sheet as ${Object.keys(SHEET_READERS).join(' or ')}, in UTF-8`,
      'content-type',
      req.headers['content-type'] ?? null,
      { accepted: Object.keys(SHEET_READERS) },
    );
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw new RatelineError(
      'UNSUPPORTED_MEDIA_TYPE',
      'POST /batches takes a rate sheet uncompressed (no Content-Encoding)',
      'content-encoding',
      encoding,
    );
  }
  return reader;
}

async function* prepended(first: SheetRow, rest: AsyncIterator<SheetRow>): AsyncGenerator<SheetRow> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

function clientGone(): RatelineError {
  return new RatelineError(
    'CLIENT_CLOSED_REQUEST',
    'The client closed the request before its sheet was read: the batch stays OPEN until it expires; ' +
      'sending the sheet again with the same idempotency key completes it',
  );
}

/** A batch as GraphQL's `Batch` type answers it, field for field. */
export function batchJson(batch: Batch): Record<string, unknown> {
  return {
    id: batch.id,
    owner: batch.owner,
    idempotencyKey: batch.idempotencyKey,
    status: batch.status,
    skipInvalid: batch.skipInvalid,
    itemCount: batch.itemCount,
    chunkCount: batch.chunkCount,
    processedCount: batch.processedCount,
    acceptedCount: batch.acceptedCount,
    rejectedCount: batch.rejectedCount,
    errors: batch.errors.map(errorJson),
    errorCount: batch.errorCount,
    createdAt: batch.createdAt.toISOString(),
    openUntil: batch.openUntil?.toISOString() ?? null,
    retractedAt: batch.retractedAt?.toISOString() ?? null,
    replicatedAt: batch.replicatedAt?.toISOString() ?? null,
  };
}

function errorJson(error: BatchItemError): Record<string, unknown> {
  return { index: error.index, field: error.field, code: error.code, message: error.message, line: error.line ?? null };
}
