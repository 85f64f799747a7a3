/**
 * The container's HEALTHCHECK: exits 0 when this container's Rateline process answers `GET /livez`
 * within 3 s, 1 otherwise. It asks the operations port (METRICS_PORT) when set, as for the replicator
 * and the workers, else the API's PORT. Liveness only: a store that is down makes a process not ready
 * (`/readyz`), not dead, and restarting it would not help.
 */
const port = process.env.METRICS_PORT || process.env.PORT || '4000';

fetch(`http://127.0.0.1:${port}/livez`, { signal: AbortSignal.timeout(3_000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
