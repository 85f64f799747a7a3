import { RatelineError, StoreUnavailableError, type StoreName } from '../domain/errors';

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

export type StoreErrorKind = 'unavailable' | 'other';

/** Told of every failure that passes the guard, e.g. to count it (the composition root wires metrics). */
export type StoreErrorListener = (store: StoreName, operation: string, kind: StoreErrorKind) => void;

export interface GuardOptions<T> {
  /** Prefixes each operation's name as listeners see it (e.g. `batches` for `batches.record`). */
  readonly name?: string;
  /** Methods whose resolved result is guarded too (e.g. the change feed's `follow`, which answers a reader). */
  readonly guardResultsOf?: readonly (keyof T)[];
}

/**
 * Wraps every method of a store port so that a failure is reported to `onError` and a failure to reach
 * the store becomes {@link StoreUnavailableError} (`ANALYTICS_UNAVAILABLE` /
 * `OPERATIONAL_STORE_UNAVAILABLE`): the edge where driver errors turn into the domain's. Methods run
 * on the port itself, so calls between its own methods are not reported twice. Domain errors pass
 * through untouched.
 */
export function guardStore<T extends object>(
  target: T,
  store: StoreName,
  isUnavailable: UnavailableClassifier,
  onError: StoreErrorListener,
  options: GuardOptions<T> = {},
): T {
  const operationOf = (key: PropertyKey) => (options.name ? `${options.name}.${String(key)}` : String(key));
  const guardsResult = new Set<PropertyKey>(options.guardResultsOf ?? []);
  const translate = (operation: string, error: unknown): unknown => {
    if (error instanceof RatelineError) {
      if (error instanceof StoreUnavailableError) onError(store, operation, 'unavailable');
      return error;
    }
    const unavailable = isUnavailable(error);
    onError(store, operation, unavailable ? 'unavailable' : 'other');
    return unavailable ? new StoreUnavailableError(store, operation, error) : error;
  };
  return new Proxy(target, {
    get(object, key, receiver) {
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof value !== 'function' || key === 'constructor') return value;
      const operation = operationOf(key);
      return (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(object, args);
        } catch (error) {
          throw translate(operation, error);
        }
        if (!(result instanceof Promise)) return result;
        return result.then(
          (resolved: unknown) =>
            guardsResult.has(key) && resolved !== null && typeof resolved === 'object'
              ? guardStore(resolved, store, isUnavailable, onError, { name: operation })
              : resolved,
          (error: unknown) => {
            throw translate(operation, error);
          },
        );
      };
    },
  });
}
