import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { BatchActor } from '../domain/batch';
import { RatelineError } from '../domain/errors';
import type { ApiKeyConfig } from './api-key-config';
import { ROLES, type Role } from './roles';

/** Who is calling and what they may do. */
export interface Principal {
  readonly name: string;
  readonly roles: ReadonlySet<Role>;
}

/** Every caller when no key is configured (the embedded shape's default; loudly announced at start). */
export const OPEN_ACCESS: Principal = { name: 'open access', roles: new Set(ROLES) };
/** A caller without a key while keys are configured: may do nothing but learn that it needs one. */
export const ANONYMOUS: Principal = { name: 'anonymous', roles: new Set() };

export const hashApiKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** A new random key: 256 bits, prefixed so that it is recognisable in a secret scanner. */
export const generateApiKey = (): string => `rl_${randomBytes(32).toString('base64url')}`;

/** The caller as the write path sees it: its batches are its key's; an admin sees every batch. */
export const batchActorOf = (principal: Principal): BatchActor => ({
  name: principal.name,
  seesAll: principal.roles.has('admin'),
});

type ConfiguredKeys = readonly { readonly principal: Principal; readonly hash: Buffer }[];

const configuredKeysOf = (configured: readonly ApiKeyConfig[]): ConfiguredKeys =>
  configured.map((k) => ({ principal: { name: k.name, roles: new Set(k.roles) }, hash: Buffer.from(k.sha256, 'hex') }));

/**
 * Checks presented API keys against the configured hashes. Only hashes are kept, so a leaked
 * configuration does not leak keys; each comparison is constant-time and every configured key is
 * compared, so timing reveals neither a key's bytes nor which entry matched. The keys can be replaced
 * while serving ({@link replaceKeys}): every request after that is checked against the new ones.
 */
export class ApiKeyAuthenticator {
  private keys: ConfiguredKeys;

  constructor(configured: readonly ApiKeyConfig[]) {
    this.keys = configuredKeysOf(configured);
  }

  /**
   * Swaps the whole set at once: a request sees either the old keys or the new ones, never a mix. An
   * empty set is refused while keys are in force: it would open the service to anyone.
   */
  replaceKeys(configured: readonly ApiKeyConfig[]): void {
    if (configured.length === 0 && !this.isOpen) {
      throw new Error('the new configuration has no API key: the service would be open to anyone');
    }
    this.keys = configuredKeysOf(configured);
  }

  get isOpen(): boolean {
    return this.keys.length === 0;
  }

  /** The caller behind a request's key (undefined: none was sent); a wrong key is UNAUTHENTICATED. */
  authenticate(presented: string | undefined): Principal {
    if (this.isOpen) return OPEN_ACCESS;
    if (presented === undefined) return ANONYMOUS;
    const hash = hashApiKey(presented);
    let match: Principal | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(hash, key.hash)) match = key.principal;
    }
    if (!match) throw new RatelineError('UNAUTHENTICATED', 'The API key is not valid');
    return match;
  }
}

/** Throws unless the principal holds one of the roles: UNAUTHENTICATED without a key, else FORBIDDEN. */
export function requireRole(principal: Principal, anyOf: readonly Role[], action: string): void {
  if (anyOf.some((role) => principal.roles.has(role))) return;
  if (principal === ANONYMOUS) {
    throw new RatelineError('UNAUTHENTICATED', `${action} needs an API key: send "Authorization: Bearer <key>"`);
  }
  throw new RatelineError(
    'FORBIDDEN',
    `${action} needs the role ${anyOf.join(' or ')}; the key "${principal.name}" has ${[...principal.roles].join(', ') || 'none'}`,
  );
}

/** The key a request carries: `Authorization: Bearer <key>`, or `X-API-Key: <key>`. */
export function presentedApiKey(headers: {
  authorization?: string;
  'x-api-key'?: string | string[];
}): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (bearer) return bearer[1];
  const header = headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header : undefined;
}

/**
 * The key a graphql-ws connection carries: in its init payload (`{"Authorization": "Bearer <key>"}` or
 * `{"X-API-Key": "<key>"}`, either spelling of the names), else in the upgrade request's headers.
 */
export function presentedConnectionApiKey(
  connectionParams: Readonly<Record<string, unknown>>,
  upgradeHeaders: Parameters<typeof presentedApiKey>[0],
): string | undefined {
  const fromParams = presentedApiKey({
    authorization: stringOrUndefined(connectionParams.Authorization ?? connectionParams.authorization),
    'x-api-key': stringOrUndefined(connectionParams['X-API-Key'] ?? connectionParams['x-api-key']),
  });
  return fromParams ?? presentedApiKey(upgradeHeaders);
}

const stringOrUndefined = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
