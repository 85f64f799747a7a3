import fs from 'node:fs';
import { readApiKeys } from './api-key-config';
import type { ApiKeyAuthenticator } from './api-keys';

/** Where the keys come from: `API_KEYS` (inline entries) and the file `API_KEYS_FILE` names, if any. */
export interface ApiKeySources {
  readonly inline: string;
  readonly file: string | undefined;
}

/** What a reload came to, for the composition root to log (refusals at error level). */
export interface ApiKeyReloadEvents {
  /** The keys now in force, by name. */
  reloaded(keyNames: readonly string[]): void;
  /** Why the file was not taken: the keys in force stay. */
  refused(problems: readonly string[]): void;
}

export interface ApiKeyReloader {
  /** Reads the keys again now (on SIGHUP); a bad file keeps the keys in force. */
  reload(): void;
  close(): void;
}

/** What tells a rewritten file from an untouched one; `missing` while it is absent (mid-replacement). */
function fileSignature(file: string): string {
  try {
    const stat = fs.statSync(file);
    return [stat.ino, stat.size, stat.mtimeMs, stat.ctimeMs].join(':');
  } catch {
    return 'missing';
  }
}

/**
 * Keeps `authenticator` on the keys of `sources`: the file is looked at every `pollIntervalMs` (inode,
 * size and times, so that a file replaced by a rename, as secret mounts do, is noticed too) and read
 * again when it changed, and whenever `reload()` is called. A file that cannot be read or parsed, that
 * holds an invalid entry, or that would leave no key at all keeps the keys in force, and `events` is
 * told why; the next change is read again.
 */
export function reloadApiKeysOnChange(
  authenticator: ApiKeyAuthenticator,
  sources: ApiKeySources & { readonly file: string },
  options: { readonly pollIntervalMs: number; readonly events: ApiKeyReloadEvents },
): ApiKeyReloader {
  const { file } = sources;
  const { events } = options;
  let seen = fileSignature(file);
  const reload = (): void => {
    seen = fileSignature(file);
    const { keys, problems } = readApiKeys(sources.inline, file);
    if (problems) {
      events.refused(problems);
      return;
    }
    try {
      authenticator.replaceKeys(keys);
    } catch (error) {
      events.refused([`API_KEYS_FILE: ${(error as Error).message}`]);
      return;
    }
    events.reloaded(keys.map((k) => k.name));
  };
  const timer = setInterval(() => {
    if (fileSignature(file) !== seen) reload();
  }, options.pollIntervalMs);
  timer.unref();
  return { reload, close: () => clearInterval(timer) };
}
