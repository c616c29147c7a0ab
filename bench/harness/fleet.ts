// Starts the mock and every target, each in its own process (gateways pinned to the "gateway core"),
// then smoke-tests each one whole and streamed so a broken target is reported, not measured. Aegis
// full's other front doors are targets of their own that share its process.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort, repoRoot, startChild, waitReady, type Child } from './processes';
import {
  DOOR_TARGETS,
  STAGE_TARGETS,
  TARGET_LABELS,
  fullPipelineConfig,
  minimalConfig,
  processOf,
  targetHeaders,
  type ProcessTargetId,
  type Target,
  type TargetId,
} from './targets';
import { countOf, expectedText, requestShape, stageShape, type Door, type StageShape } from './workload';

export const GATEWAY_CPUS = '1';
const PORTKEY_BIN = 'node_modules/@portkey-ai/gateway/build/start-server.js';

export interface MockKnobsPatch {
  delayMs?: number;
  ttftMs?: number;
  tokens?: number;
  gapMs?: number;
}

export interface Fleet {
  mock: Child;
  mockUrl: string;
  targets: Target[];
  children: Map<ProcessTargetId, Child>;
  configs: Map<ProcessTargetId, Record<string, unknown>>;
}

export async function setMock(mockUrl: string, knobs: MockKnobsPatch): Promise<void> {
  const res = await request(`${mockUrl}/__mock/config`, { method: 'POST', body: JSON.stringify(knobs) });
  await res.body.text();
}

export async function startMock(logDir: string): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  // Not pinned by taskset: it inherits the parent's core (the load generator's), as in §6.1.
  const child = startChild({ name: 'mock', tsx: true, args: ['bench/mock-upstream.ts', '--port', String(port)], logDir });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/healthz`);
  return { child, url };
}

export interface AegisStart {
  name: string;
  config: Record<string, unknown>;
  workDir: string;
  pin: boolean;
  nodeFlags?: string[];
}

export async function startAegis({ name, config, workDir, pin, nodeFlags }: AegisStart): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const file = join(workDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  const child = startChild({
    name,
    tsx: true,
    nodeFlags,
    args: ['src/cli/main.ts', 'serve', '--config', file, '--port', String(port)],
    cpus: pin ? GATEWAY_CPUS : undefined,
    logDir: workDir,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/healthz`);
  return { child, url };
}

/** One process target (not direct): Aegis with its bench config, thin or Portkey, pinned when `pin`. */
export async function startProcessTarget(
  id: ProcessTargetId,
  mockUrl: string,
  workDir: string,
  pin: boolean,
): Promise<{ child: Child; url: string; config?: Record<string, unknown> }> {
  const cpus = pin ? GATEWAY_CPUS : undefined;
  if (id === 'aegis-full' || id === 'aegis-min') {
    const config = id === 'aegis-full' ? fullPipelineConfig(mockUrl, workDir) : minimalConfig(mockUrl, workDir);
    return { ...(await startAegis({ name: id, config, workDir, pin })), config };
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  if (id === 'thin') {
    const child = startChild({ name: id, tsx: true, args: ['bench/thin-proxy.ts', '--port', String(port), '--upstream', mockUrl], cpus, logDir: workDir });
    await waitReady(child, `${url}/healthz`);
    return { child, url };
  }
  // Portkey takes `--port=N` (not `--port N`); --headless skips its UI; stdout goes to a file
  // because it clears the console and draws a spinner (benchmarking.md §6.5).
  const child = startChild({
    name: id,
    args: [join(repoRoot, PORTKEY_BIN), `--port=${port}`, '--headless'],
    cpus,
    env: { BENCH_LOOPBACK_ONLY: '1' },
    logDir: workDir,
  });
  await waitReady(child, `${url}/`);
  return { child, url };
}

/** The target for `id` at `url`: its door's (or stage shape's) request and headers. */
export function makeTarget(id: TargetId, url: string, pid: number, mockUrl: string): Target {
  const stage = Object.entries(STAGE_TARGETS).find(([, t]) => t === id)?.[0] as StageShape | undefined;
  const door = (Object.entries(DOOR_TARGETS).find(([, t]) => t === id)?.[0] ?? 'chat') as Door;
  const shape = stage ? stageShape(stage) : requestShape(door);
  return { id, label: TARGET_LABELS[id], url, shape, path: shape.path, headers: targetHeaders(id, mockUrl), pid };
}

/** One whole and one streamed request, each checked against what the mock sent in this door's shape. */
async function smoke(target: Target, expectedTokens: number): Promise<void> {
  const { shape } = target;
  try {
    const res = await request(`${target.url}${target.path}`, {
      method: 'POST',
      headers: target.headers,
      body: shape.whole,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await res.body.text();
    let answer: { text: string } | { why: string } = { why: 'not JSON' };
    try {
      answer = shape.answerText(JSON.parse(text));
    } catch {}
    const expected = expectedText(expectedTokens);
    if (res.statusCode !== 200 || !('text' in answer) || answer.text !== expected)
      target.failure = `whole answer: HTTP ${res.statusCode}${'why' in answer ? ` (${answer.why})` : ''}: ${text.slice(0, 200)}`;
  } catch (err) {
    target.failure = `whole answer: ${(err as Error).message}`;
  }
  if (target.failure) return;
  try {
    const res = await request(`${target.url}${target.path}`, {
      method: 'POST',
      headers: target.headers,
      body: shape.streamed,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const buf = Buffer.from(await res.body.arrayBuffer());
    const tokens = countOf(buf, shape.tokenMark);
    if (res.statusCode !== 200 || tokens !== expectedTokens || !buf.includes(shape.doneMark) || buf.includes(shape.errorMark)) {
      target.streamFailure = `stream: HTTP ${res.statusCode}, ${tokens}/${expectedTokens} tokens: ${buf.toString('utf8', 0, 200).replace(/\s+/g, ' ')}`;
    }
  } catch (err) {
    target.streamFailure = `stream: ${(err as Error).message}`;
  }
}

/** Starts every requested target; one that fails to start or to answer is kept with `failure` set. */
export async function startFleet(ids: TargetId[], workDir: string, pin: boolean, stream: Required<Omit<MockKnobsPatch, 'delayMs'>>): Promise<Fleet> {
  const mock = await startMock(workDir);
  await setMock(mock.url, { delayMs: 0, ...stream });
  const children = new Map<ProcessTargetId, Child>();
  const configs = new Map<ProcessTargetId, Record<string, unknown>>();
  // One process per process target, whatever its doors; the door targets share Aegis full's.
  const processes = [...new Set(ids.map(processOf))].filter((id) => id !== 'direct');
  const started = await Promise.allSettled(processes.map((id) => startProcessTarget(id, mock.url, workDir, pin)));
  const running = new Map<ProcessTargetId, { url: string; pid: number } | { failure: string }>();
  processes.forEach((id, i) => {
    const s = started[i]!;
    if (s.status === 'fulfilled') {
      const { child, url, config } = s.value;
      children.set(id, child);
      if (config) configs.set(id, config);
      running.set(id, { url, pid: child.pid });
    } else running.set(id, { failure: `did not start: ${(s.reason as Error).message.slice(0, 400)}` });
  });
  running.set('direct', { url: mock.url, pid: mock.child.pid });
  const targets: Target[] = ids.map((id) => {
    const p = running.get(processOf(id))!;
    return 'failure' in p ? { ...makeTarget(id, '', -1, mock.url), failure: p.failure } : makeTarget(id, p.url, p.pid, mock.url);
  });
  for (const t of targets) if (!t.failure) await smoke(t, stream.tokens);
  return { mock: mock.child, mockUrl: mock.url, targets, children, configs };
}
