// Vitest global setup: a loopback controller that starts test-world components when a test file
// asks for one (see use-world.ts), and stops every one of them at the end, pass or fail.
import { createServer, type Server } from 'node:http';
import type { TestProject } from 'vitest/node';
import { starters, stopHooks, type ComponentName } from './components';
import { stopAll } from './process';
import { say } from './run';

declare module 'vitest' {
  export interface ProvidedContext {
    worldUrl: string;
  }
}

const started = new Map<ComponentName, Promise<unknown>>();

function need(name: ComponentName): Promise<unknown> {
  let p = started.get(name);
  if (!p) {
    p = starters[name]();
    // A failed start is remembered: every file that needs it fails (CI) or skips with the same reason.
    started.set(name, p);
  }
  return p;
}

let server: Server | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '').replace(/^\/need\//, '')) as ComponentName;
    if (!(name in starters)) {
      res.writeHead(404).end(JSON.stringify({ error: `unknown test-world component ${name}` }));
      return;
    }
    need(name).then(
      (info) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info)),
      (err: Error) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message })),
    );
  });
  // Component starts (a cold Ollama import) can take minutes; the request must not time out first.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  project.provide('worldUrl', `http://127.0.0.1:${port}`);
}

export async function teardown(): Promise<void> {
  say('stopping test-world servers');
  await Promise.allSettled(stopHooks.map((h) => h()));
  await stopAll();
  await new Promise((resolve) => server?.close(resolve));
}
