// Checks from outside which parts of the Aegis pipeline were really active in a target, so the
// report never calls a run "full pipeline" when a section was missing or not wired.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { BENCH_ADMIN_KEY, PIPELINE_SECTIONS, sectionEnabled, type Target } from './targets';
import { chatBody } from './workload';

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
  const anon = await status(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody(false) });
  const ok = await status(url, { method: 'POST', headers: target.headers, body: chatBody(false) });
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
