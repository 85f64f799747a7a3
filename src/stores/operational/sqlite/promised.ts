/** better-sqlite3 is synchronous; the ports are asynchronous, failures included (a throw becomes a rejection). */
export function promised<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}
