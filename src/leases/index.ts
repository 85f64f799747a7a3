import { randomUUID } from 'node:crypto';
import os from 'node:os';

/**
 * A name for one holder of leases kept in the operational store (a replicator, a batch worker):
 * `host/pid/uuid`, so that an operator reading the store sees which process holds what, and a process
 * of the same host can tell whether a holder is still running.
 */
export function newLeaseHolder(): string {
  return `${os.hostname()}/${process.pid}/${randomUUID()}`;
}

/** True for a holder on this host whose process is gone (signal 0 only checks existence). */
export function isDeadProcessOfThisHost(holder: string): boolean {
  const [host, pid] = holder.split('/');
  if (host !== os.hostname() || !pid || !/^\d+$/.test(pid) || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
