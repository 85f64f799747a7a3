import { parseArgs } from 'node:util';
import { generateApiKey, hashApiKey, ROLES, type Role } from '../src/auth';

/**
 * `npm run api-key -- --name supplier-a --roles ingest` (or `--roles read,admin` for an operator):
 * makes a new key and prints it once, with the configuration entry (its SHA-256 only) to add to
 * API_KEYS or API_KEYS_FILE. The name is what the key's batches are recorded under: keep it when
 * rotating a supplier's key.
 */
function main(): void {
  const { values } = parseArgs({
    options: { name: { type: 'string' }, roles: { type: 'string', default: 'read' } },
  });
  const name = values.name;
  const roles = (values.roles ?? '').split(/[,+]/).filter((r) => r.length > 0);
  const unknown = roles.filter((r) => !ROLES.includes(r as Role));
  if (!name || roles.length === 0 || unknown.length > 0) {
    console.error(`usage: npm run api-key -- --name <name> --roles <${ROLES.join('|')}>[,…]`);
    if (unknown.length > 0) console.error(`unknown roles: ${unknown.join(', ')}`);
    process.exit(2);
  }
  const key = generateApiKey();
  const sha256 = hashApiKey(key).toString('hex');
  console.log(`API key (shown once; give it to ${name}):\n  ${key}\n`);
  console.log(`API_KEYS entry:\n  ${name}:${roles.join('+')}:${sha256}\n`);
  console.log(`API_KEYS_FILE entry:\n  ${JSON.stringify({ name, roles, sha256 })}`);
}

main();
