// Checks from outside which parts of the Aegis pipeline were really active in a target, so the
// report never calls a run "full pipeline" when a section was missing or not wired; and that each
// front door of Aegis full answered in its own shape, through the same pipeline, the same request.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { BENCH_ADMIN_KEY, PIPELINE_SECTIONS, sectionEnabled, type Target } from './targets';
import type { Door, StageShape } from './workload';

export interface PipelineCheck {
  /** Config sections that turn a subsystem on (of scheduler, policy, rag). */
  sections: string[];
  authRejectsAnonymous: boolean;
  policyDecisionHeader: boolean;
  schedulerAdmin: boolean;
  metricsCounting: boolean;
  /** Bytes recording left on disk after the run: the embedded database and the spool (filled in at the end). */
  spoolBytes?: number;
}

async function status(url: string, init: Parameters<typeof request>[1]): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const res = await request(url, init);
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

export async function checkPipeline(target: Target, config: Record<string, unknown>): Promise<PipelineCheck> {
  const url = `${target.url}${target.path}`;
  const anon = await status(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: target.shape.whole });
  const ok = await status(url, { method: 'POST', headers: target.headers, body: target.shape.whole });
  const ps = await status(`${target.url}/admin/ps`, { headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } });
  const metrics = await status(`${target.url}/metrics`, {});
  return {
    sections: PIPELINE_SECTIONS.filter((s) => sectionEnabled(config, s)),
    authRejectsAnonymous: anon.status === 401,
    policyDecisionHeader: ok.headers['x-aegis-decision-id'] !== undefined,
    schedulerAdmin: ps.status === 200,
    metricsCounting: /aegis_requests_total\{[^}]*status="200"[^}]*\} [1-9]/.test(metrics.text),
  };
}

export interface DoorCheck {
  door: Door;
  path: string;
  /** A whole answer in the door's shape carrying exactly the mock's text (the smoke test). */
  whole: boolean;
  /** A stream with every token in the door's events and its final event, no error event. */
  stream: boolean;
  /** Why not, when either failed (the target is then not measured, or not streamed). */
  why?: string;
  /** `x-aegis-decision-id` on the answer: the policy stage ran. */
  policyDecisionHeader: boolean;
  /** 401 without a key, in the door's own error envelope (Anthropic's on /v1/messages). */
  refusesAnonymous: boolean;
  /** Prompt tokens as Aegis counted them (`x-aegis-context`): equal to chat's when the door's request translated into the same chat request. */
  promptTokens?: number;
}

/** One front door of Aegis full, checked after the smoke test (which set `failure` / `streamFailure`). */
export async function checkDoor(target: Target): Promise<DoorCheck> {
  const url = `${target.url}${target.path}`;
  const check: DoorCheck = {
    door: target.shape.door,
    path: target.path,
    whole: !target.failure,
    stream: !target.failure && !target.streamFailure,
    why: target.failure ?? target.streamFailure,
    policyDecisionHeader: false,
    refusesAnonymous: false,
  };
  if (target.failure) return check;
  const { 'x-api-key': _key, authorization: _bearer, ...keyless } = target.headers;
  const anon = await status(url, { method: 'POST', headers: keyless, body: target.shape.whole });
  let envelope: unknown;
  try {
    envelope = JSON.parse(anon.text);
  } catch {}
  const e = envelope as { type?: unknown; error?: { type?: unknown } } | undefined;
  const ownEnvelope = target.shape.door === 'messages' ? e?.type === 'error' && e.error?.type === 'authentication_error' : typeof e?.error === 'object';
  check.refusesAnonymous = anon.status === 401 && ownEnvelope;
  const ok = await status(url, { method: 'POST', headers: target.headers, body: target.shape.whole });
  check.policyDecisionHeader = ok.headers['x-aegis-decision-id'] !== undefined;
  const tokens = /tokens=(\d+)/.exec(String(ok.headers['x-aegis-context'] ?? ''));
  check.promptTokens = tokens ? Number(tokens[1]) : undefined;
  return check;
}

/** Total size of the files under `dir` (0 when it does not exist). */
export function directoryBytes(dir: string): number {
  let total = 0;
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      total += e.isDirectory() ? directoryBytes(p) : statSync(p).size;
    }
  } catch {
    return total;
  }
  return total;
}

/** Size of one file (0 when it does not exist, as a WAL after a clean close). */
export function fileBytes(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

/** A wave-2 stage shape (issue 28), checked after the smoke test: what the stage it exercises did. */
export interface StageCheck {
  stage: StageShape;
  /** A whole answer carrying exactly the mock's text (the smoke test; for `tools` through the tool parser). */
  whole: boolean;
  why?: string;
  /** `x-aegis-context` of a whole answer: prompt tokens sent, messages dropped, how counted (exact, local, estimate). */
  context?: string;
  tokens?: number;
  dropped?: number;
  counted?: string;
  /** `tools`: the upstream got a constrained request (`response_format`), i.e. the emulation path ran. */
  constrainedUpstream?: boolean;
}

export async function checkStage(target: Target, mockUrl: string): Promise<StageCheck> {
  const stage = target.shape.stage!;
  const check: StageCheck = { stage, whole: !target.failure, why: target.failure };
  if (target.failure) return check;
  const constrained = async () => ((await status(`${mockUrl}/__mock/stats`, {}).then((r) => JSON.parse(r.text))) as { constrained?: number }).constrained ?? 0;
  const before = await constrained();
  const ok = await status(`${target.url}${target.path}`, { method: 'POST', headers: target.headers, body: target.shape.whole });
  const after = await constrained();
  const context = String(ok.headers['x-aegis-context'] ?? '');
  const field = (name: string) => new RegExp(`${name}=([^;]+)`).exec(context)?.[1];
  check.context = context || undefined;
  check.tokens = field('tokens') === undefined ? undefined : Number(field('tokens'));
  check.dropped = field('dropped') === undefined ? undefined : Number(field('dropped'));
  check.counted = field('counted')?.trim();
  check.constrainedUpstream = after > before;
  return check;
}
