import { RatelineError, StoreUnavailableError, type StoreName } from '../domain/errors';
import { recordStoreError } from '../observability/metrics';

/** Tells a driver's "could not reach the server" apart from every other failure. */
export type UnavailableClassifier = (error: unknown) => boolean;

/** Node's socket and DNS errors that mean "nobody answered", whatever the driver wrapped them in. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when `error` or one of its causes carries a network error code. */
export function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Wraps every method of a store adapter (and of the objects named in `nested`, e.g. its change feed)
 * so that a failure is counted in `rateline_store_errors_total` and a failure to reach the store
 * becomes {@link StoreUnavailableError} (`ANALYTICS_UNAVAILABLE` / `OPERATIONAL_STORE_UNAVAILABLE`):
 * the edge where driver errors turn into the domain's. Methods run on the adapter itself, so calls
 * between its own methods are not counted twice. Domain errors pass through untouched.
 */
export function guardStore<T extends object>(
  target: T,
  store: StoreName,
  isUnavailable: UnavailableClassifier,
  nested: readonly (keyof T)[] = [],
): T {
  const wrapped = new Map<PropertyKey, unknown>();
  for (const key of nested) {
    const value = target[key];
    if (value && typeof value === 'object') wrapped.set(key, guardStore(value, store, isUnavailable));
  }
  const translate = (operation: string, error: unknown): unknown => {
    if (error instanceof RatelineError) {
      if (error instanceof StoreUnavailableError) recordStoreError(store, operation, 'unavailable');
      return error;
    }
    const unavailable = isUnavailable(error);
    recordStoreError(store, operation, unavailable ? 'unavailable' : 'other');
    return unavailable ? new StoreUnavailableError(store, operation, error) : error;
  };
  return new Proxy(target, {
    get(object, key, receiver) {
      if (wrapped.has(key)) return wrapped.get(key);
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof value !== 'function' || key === 'constructor') return value;
      const operation = String(key);
      return (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(object, args);
        } catch (error) {
          throw translate(operation, error);
        }
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            throw translate(operation, error);
          });
        }
        return result;
      };
    },
  });
}
