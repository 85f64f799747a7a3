import { startTestService, type TestService } from '../../helpers/components';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ MAX_REQUEST_BODY_BYTES: '2048' });
});
afterAll(async () => {
  await service.stop();
});

const post = (body: string) =>
  fetch(`${service.running.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('the HTTP surface', () => {
  it('answers /healthz with 200 once it serves queries', async () => {
    expect(await service.get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('refuses a body over MAX_REQUEST_BODY_BYTES with 413 and a GraphQL error, without running it', async () => {
    const query = `{ ports { code } } # ${'x'.repeat(4096)}`;
    const response = await post(JSON.stringify({ query }));
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.errors[0]!.message).toMatch(/2048 bytes/);
  });

  it('refuses a body that is not JSON with 400 BAD_USER_INPUT', async () => {
    const response = await post('{"query": ');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers a query that is not GraphQL with GRAPHQL_PARSE_FAILED', async () => {
    const response = await post(JSON.stringify({ query: '{ rates(' }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});
