import fs from 'node:fs';
import { z } from 'zod';
import { ROLES, type Role } from './roles';

/** An API key as configured: never the key itself, only its SHA-256 (hex). */
export interface ApiKeyConfig {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly sha256: string;
}

const apiKeySchema = z.object({
  name: z.string().regex(/^[\w.@-]{1,64}$/, 'name must be 1-64 letters, digits, or . _ - @'),
  roles: z.array(z.enum(ROLES as [Role, ...Role[]])).min(1, 'roles must name at least one role'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex digits'),
});

/** `API_KEYS` holds `name:role+role:sha256` entries separated by commas. */
function parseInlineApiKeys(text: string): unknown[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const [name, roles, sha256, ...rest] = entry.split(':');
      return rest.length > 0 ? { entry } : { name, roles: roles?.split('+') ?? [], sha256 };
    });
}

/** The configured keys, or every problem with them, each naming the variable it comes from. */
export type ApiKeysReading =
  | { readonly keys: ApiKeyConfig[]; readonly problems?: undefined }
  | { readonly keys?: undefined; readonly problems: string[] };

/** The keys of `API_KEYS` (inline entries) and of the JSON file `API_KEYS_FILE` names, if any. */
export function readApiKeys(inline: string, file: string | undefined): ApiKeysReading {
  const sources: [string, unknown][] = [['API_KEYS', parseInlineApiKeys(inline)]];
  if (file) {
    try {
      sources.push(['API_KEYS_FILE', JSON.parse(fs.readFileSync(file, 'utf8'))]);
    } catch (error) {
      return { problems: [`API_KEYS_FILE: cannot read ${file} as JSON (${(error as Error).message})`] };
    }
  }
  const problems: string[] = [];
  const keys: ApiKeyConfig[] = [];
  for (const [variable, entries] of sources) {
    const parsed = z.array(apiKeySchema).safeParse(entries);
    if (parsed.success) keys.push(...parsed.data);
    else problems.push(...parsed.error.issues.map((i) => `${variable}: entry ${i.path.join('.')}: ${i.message}`));
  }
  const names = keys.map((k) => k.name);
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate) problems.push(`API keys: the name ${JSON.stringify(duplicate)} is used twice`);
  return problems.length > 0 ? { problems } : { keys };
}
