import http from 'node:http';

/**
 * A lean GraphQL-over-HTTP client for the benchmark: node's http module on one keep-alive connection,
 * as a service-to-service client would use. (`fetch` added about 1.5 ms of client-side work per call
 * here, which would be charged to the API.)
 */
export class BenchGraphqlClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  /** `apiKey`: sent as `Authorization: Bearer …`. */
  constructor(
    private readonly url: string,
    private readonly apiKey: string,
  ) {}

  /** POSTs the body (a string, or prepared bytes) and resolves with the status and the parsed JSON answer. */
  post(body: string | Buffer): Promise<{ status: number; json: unknown }> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${this.apiKey}`,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            try {
              resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
