import {
  MongoBulkWriteError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  type WriteError,
} from 'mongodb';
import { isNetworkError } from '../../store-errors';

const DUPLICATE_KEY = 11000;
const NAMESPACE_EXISTS = 48;

/**
 * Server errors that mean "no primary to take this now" (failover, shutdown, a shard unreachable from
 * mongos): HostUnreachable 6, HostNotFound 7, NetworkTimeout 89, ShutdownInProgress 91,
 * PrimarySteppedDown 189, FailedToSatisfyReadPreference 133, NotWritablePrimary 10107,
 * InterruptedAtShutdown 11600, InterruptedDueToReplStateChange 11602, NotPrimaryNoSecondaryOk 13435,
 * NotPrimaryOrSecondary 13436; and WriteConcernTimeout 64: a write its primary took but a majority did
 * not within `wtimeoutMS` (a shard that lost its majority, before its primary steps down).
 */
const UNAVAILABLE_SERVER_CODES = new Set([6, 7, 64, 89, 91, 133, 189, 10107, 11600, 11602, 13435, 13436]);
const WRITE_CONCERN_TIMEOUT = 64;

/**
 * MongoDB could not be reached: no server selected in time, a dropped connection, no primary. The
 * composition root's availability guard classifies the adapter's failures with it.
 */
export function isMongoUnavailable(error: unknown): boolean {
  return isUnavailableAtDepth(error, 0);
}

function isUnavailableAtDepth(error: unknown, depth: number): boolean {
  if (error instanceof MongoServerSelectionError || error instanceof MongoNetworkError) return true;
  if (error instanceof MongoServerError && typeof error.code === 'number' && UNAVAILABLE_SERVER_CODES.has(error.code)) {
    return true;
  }
  // A bulk write whose duplicate keys (a retry) come with a write-concern timeout carries the first's code.
  if (error instanceof MongoBulkWriteError && error.result.getWriteConcernError()?.code === WRITE_CONCERN_TIMEOUT) {
    return true;
  }
  // A bulk write cut off by a dropped connection carries the network error as its cause (and as
  // `errorResponse`), with no write error of its own.
  if (depth < 3 && error instanceof Error) {
    const inner = [error.cause, (error as { errorResponse?: unknown }).errorResponse];
    if (inner.some((e) => e !== undefined && e !== error && isUnavailableAtDepth(e, depth + 1))) return true;
  }
  return isNetworkError(error);
}

/** A write refused because a document with its `_id` (or unique key) is already there. */
export const isDuplicateKey = (error: unknown): boolean =>
  error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/** `createCollection` of a collection another process created meanwhile. */
export const isNamespaceExists = (error: unknown): boolean =>
  error instanceof MongoServerError && error.code === NAMESPACE_EXISTS;

const isWriteErrorList = (value: WriteError | readonly WriteError[]): value is readonly WriteError[] =>
  Array.isArray(value);

/** A bulk insert whose only failures are keys already there: a retry of documents written before. */
export function onlyDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError) || error.result.getWriteConcernError()) return false;
  const reported: WriteError | readonly WriteError[] = error.writeErrors;
  const writeErrors: readonly WriteError[] = isWriteErrorList(reported) ? reported : [reported];
  return writeErrors.length > 0 && writeErrors.every((e) => e.code === DUPLICATE_KEY);
}
