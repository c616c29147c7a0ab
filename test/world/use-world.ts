// What a test file calls to get a test-world component: `const ollama = await world('ollama')`.
// Under CI=true a missing component fails the file; elsewhere it returns undefined, loudly.
import { inject } from 'vitest';
import { Agent, request } from 'undici';
import type { ComponentName, WorldInfo } from './components';

export type { WorldInfo, ComponentName } from './components';

// The controller may take minutes to build or import; default fetch timeouts would cut it off.
const patient = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

export async function world<K extends ComponentName>(name: K): Promise<WorldInfo[K] | undefined> {
  const base = inject('worldUrl');
  const res = await request(`${base}/need/${encodeURIComponent(name)}`, { dispatcher: patient });
  const body = (await res.body.json()) as WorldInfo[K] & { error?: string };
  if (res.statusCode === 200) return body;
  const reason = `test-world component "${name}" is unavailable: ${body.error ?? res.statusCode}`;
  if (process.env.CI === 'true') throw new Error(reason);
  process.stderr.write(`\n!!!!!!!! SKIPPING tests that need ${name}: ${reason}\n\n`);
  return undefined;
}

/** Like `world` but for tests that cannot run at all without the component. */
export async function requireWorld<K extends ComponentName>(name: K): Promise<WorldInfo[K]> {
  const info = await world(name);
  if (!info) throw new Error(`test-world component "${name}" is unavailable`);
  return info;
}
