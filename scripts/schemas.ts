// `npm run schemas`: writes schemas/ (JSON Schemas of aegis.yaml, the registry entry, the exchange
// record and the audit event) from the zod schemas in src. Commit the result; a unit test fails when
// it is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaFileText, storedSchemas } from '../src/gateway/contracts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
mkdirSync(root, { recursive: true });
for (const { file, schema } of storedSchemas()) {
  writeFileSync(join(root, file), schemaFileText(schema));
  console.log(`wrote ${join(root, file)}`);
}
