import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { buildRatelineSchema, printRatelineSchema } from '../src/graphql';
import { projectRoot } from '../src/paths/project-root';

/** `npm run schema:emit`: writes the SDL the code builds to schema/schema.graphql. */
async function main(): Promise<void> {
  const target = path.join(projectRoot(), 'schema', 'schema.graphql');
  fs.writeFileSync(target, printRatelineSchema(await buildRatelineSchema()));
  console.log(`wrote ${target}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
