/**
 * The file cannot be used for now (locked past the busy timeout, I/O error, disk full, cannot be
 * opened): a retry may succeed, as with a server that does not answer.
 */
export function isSqliteUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    typeof code === 'string' &&
    (code === 'SQLITE_BUSY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_FULL' || code.startsWith('SQLITE_IOERR'))
  );
}
