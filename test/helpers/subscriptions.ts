/** A graphql-ws client for tests, and a way to read one subscription to its end. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export function subscriptionClient(url: string, connectionParams: Record<string, string> = {}): Client {
  return createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

export interface CollectedMessages {
  readonly data: unknown[];
  readonly errors: unknown[];
}

/** Every message of one subscription until it completes or fails. */
export function collect(client: Client, query: string, variables: Record<string, unknown>): Promise<CollectedMessages> {
  return new Promise((resolve) => {
    const data: unknown[] = [];
    const errors: unknown[] = [];
    client.subscribe(
      { query, variables },
      {
        next: (message) => (message.errors ? errors.push(...message.errors) : data.push(message.data)),
        error: (error) => {
          if (Array.isArray(error)) errors.push(...(error as unknown[]));
          else errors.push(error);
          resolve({ data, errors });
        },
        complete: () => resolve({ data, errors }),
      },
    );
  });
}
