import {
  ANONYMOUS,
  ApiKeyAuthenticator,
  batchActorOf,
  OPEN_ACCESS,
  generateApiKey,
  hashApiKey,
  presentedApiKey,
  presentedConnectionApiKey,
  readApiKeys,
  requireRole,
} from '../../../src/auth';

const key = generateApiKey();
const authenticator = new ApiKeyAuthenticator([
  { name: 'supplier', roles: ['ingest'], sha256: hashApiKey(key).toString('hex') },
  { name: 'analyst', roles: ['read'], sha256: hashApiKey('rl_other').toString('hex') },
]);

describe('API keys', () => {
  it('makes long random keys, distinct each time', () => {
    expect(key).toMatch(/^rl_[\w-]{43}$/);
    expect(generateApiKey()).not.toBe(key);
  });

  it('knows a configured key by its hash and returns its roles', () => {
    const principal = authenticator.authenticate(key);
    expect(principal.name).toBe('supplier');
    expect([...principal.roles]).toEqual(['ingest']);
    expect(authenticator.authenticate('rl_other').name).toBe('analyst');
  });

  it('refuses an unknown key and treats a missing one as anonymous', () => {
    expect(() => authenticator.authenticate(`${key}x`)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(authenticator.authenticate(undefined)).toBe(ANONYMOUS);
  });

  it('is open, with every role, when no key is configured', () => {
    const open = new ApiKeyAuthenticator([]);
    expect(open.isOpen).toBe(true);
    expect(open.authenticate('anything')).toBe(OPEN_ACCESS);
    expect(() => requireRole(OPEN_ACCESS, ['ingest'], 'x')).not.toThrow();
  });

  it('keeps admin among the roles of open access: with no key configured, every batch is everyone’s', () => {
    expect(() => requireRole(OPEN_ACCESS, ['admin'], 'Mutation.restoreBatch')).not.toThrow();
    expect(batchActorOf(OPEN_ACCESS)).toEqual({ name: 'open access', seesAll: true });
  });

  it('makes a key its batches’ owner; only the admin role sees every batch', () => {
    const [supplier, admin] = ['supplier', 'ops'].map((name, i) => ({
      name,
      roles: i === 0 ? ['ingest' as const] : ['read' as const, 'admin' as const],
      sha256: hashApiKey(`rl_${name}`).toString('hex'),
    }));
    const keys = new ApiKeyAuthenticator([supplier!, admin!]);
    expect(batchActorOf(keys.authenticate('rl_supplier'))).toEqual({ name: 'supplier', seesAll: false });
    expect(batchActorOf(keys.authenticate('rl_ops'))).toEqual({ name: 'ops', seesAll: true });
    expect(readApiKeys(`ops:read+admin:${admin!.sha256}`, undefined)).toEqual({ keys: [admin] });
  });

  it('replaces its keys at once, but never with none while keys are in force', () => {
    const keys = new ApiKeyAuthenticator([
      { name: 'old', roles: ['read'], sha256: hashApiKey('rl_old').toString('hex') },
    ]);
    keys.replaceKeys([{ name: 'new', roles: ['read'], sha256: hashApiKey('rl_new').toString('hex') }]);
    expect(keys.authenticate('rl_new').name).toBe('new');
    expect(() => keys.authenticate('rl_old')).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(() => keys.replaceKeys([])).toThrow(/open to anyone/);
    expect(keys.isOpen).toBe(false);
    expect(keys.authenticate('rl_new').name).toBe('new');
  });

  it('tells a missing key from a missing role', () => {
    expect(() => requireRole(ANONYMOUS, ['read'], 'Query.rates')).toThrow(
      expect.objectContaining({ code: 'UNAUTHENTICATED' }),
    );
    expect(() => requireRole(authenticator.authenticate(key), ['read'], 'Query.rates')).toThrow(
      expect.objectContaining({
        code: 'FORBIDDEN',
        message: expect.stringContaining('Query.rates needs the role read'),
      }),
    );
  });

  it('reads the key from Authorization: Bearer or X-API-Key', () => {
    expect(presentedApiKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedApiKey({ authorization: 'bearer  abc ' })).toBe('abc');
    expect(presentedApiKey({ 'x-api-key': 'def' })).toBe('def');
    expect(presentedApiKey({ authorization: 'Basic Zm9v' })).toBeUndefined();
    expect(presentedApiKey({})).toBeUndefined();
  });

  it('reads a WebSocket key from the init payload first, in either spelling, else from the upgrade headers', () => {
    const headers = { authorization: 'Bearer from-headers' };
    expect(presentedConnectionApiKey({ Authorization: 'Bearer abc' }, headers)).toBe('abc');
    expect(presentedConnectionApiKey({ authorization: 'Bearer abc' }, headers)).toBe('abc');
    expect(presentedConnectionApiKey({ 'X-API-Key': 'def' }, headers)).toBe('def');
    expect(presentedConnectionApiKey({ 'x-api-key': 'def' }, headers)).toBe('def');
    expect(presentedConnectionApiKey({}, headers)).toBe('from-headers');
    expect(presentedConnectionApiKey({ Authorization: 42 }, { 'x-api-key': 'ghi' })).toBe('ghi');
    expect(presentedConnectionApiKey({}, {})).toBeUndefined();
  });
});
