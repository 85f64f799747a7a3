import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from '../logging/logger';
import { operationsRoutes, type Readiness } from './health';

export interface OperationsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * /livez, /readyz and /metrics on their own port, for processes that serve no API (the replicator):
 * what the API serves on its own port, so probes and scrapes work the same for every process.
 */
export async function startOperationsServer(
  host: string,
  port: number,
  readiness: Readiness,
  log: Logger,
): Promise<OperationsServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(operationsRoutes(readiness));
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  log.info({ host, port: address.port }, 'serving /livez, /readyz and /metrics');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
