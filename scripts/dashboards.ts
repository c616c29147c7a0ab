// `npm run dashboards`: writes dashboards/ (the Grafana dashboard and its provisioning files) from
// the metric catalogue. Commit the result; a unit test fails when it is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dashboardFiles } from './dashboards/build';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dashboards');
for (const [path, text] of Object.entries(dashboardFiles())) {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
