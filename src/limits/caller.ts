import { ANONYMOUS, OPEN_ACCESS, type Principal } from '../auth';

/**
 * Whom a limit counts against: the API key's name, or the client's address for callers without a key of
 * their own (every caller of a service without keys, and anonymous callers of one with keys). Behind a
 * proxy the address is the proxy's unless Express's `trust proxy` names it.
 */
export function callerOf(principal: Principal, address: string | undefined): string {
  if (principal === OPEN_ACCESS || principal === ANONYMOUS) return `address:${address ?? 'unknown'}`;
  return `key:${principal.name}`;
}
