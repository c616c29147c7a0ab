// The Markdown of a bench:context run: fitting cost, counting accuracy, and the window comparison
// with the issue's targets (TTFT ≥ 3× lower than per-request drop-oldest, prefix reused on ≥ 80 % of
// turns, exact counts where the runtime tokenizes, local MAE ≤ 2 % and no undercount beyond the margin).
import { MARGINS } from '../../src/context';
import type { MethodStats } from './accuracy';
import type { FitCost } from './fit-cost';
import { summarizeMode, type ModeResult, type ModeSummary } from './window';

export interface ContextBenchResult {
  options: Record<string, unknown>;
  machine: {
    date: string;
    gitSha: string;
    gitDirty: boolean;
    loadAvgStart: number[];
    loadAvgEnd?: number[];
    othersBusy: string[];
    cpuModel: string;
    cores: number;
  };
  minutes: number;
  fit: FitCost[];
  accuracy: { runtime: string; model: string; stats: MethodStats[] }[];
  window: (ModeResult & { all: ModeSummary })[];
}

const pct = (v: number, digits = 2) => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)} %` : '–');
const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '–');
const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**');

function marginOf(method: string): number {
  if (method.startsWith('exact')) return MARGINS.exact.initialMargin;
  if (method.startsWith('estimate')) return MARGINS.estimate.initialMargin;
  return MARGINS.local.initialMargin;
}

function accuracySection(r: ContextBenchResult): string[] {
  const out = ['## Token counts against the runtime’s own', ''];
  out.push(
    'Each prompt is a chat from real text (this repository’s docs and sources, package READMEs, a few lines in other scripts), counted by the runtime (`usage.prompt_tokens`, Ollama’s `prompt_eval_count`) and by each of Aegis’ methods. Undercounts are what could overflow a window; the margin is the share of the budget held back for that method before calibration.',
    '',
  );
  for (const a of r.accuracy) {
    out.push(
      `### ${a.runtime} · ${a.model}`,
      '',
      '| method | prompts | exact | mean abs. error | largest undercount | margin | mean time |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const s of a.stats) {
      out.push(
        `| ${s.method} | ${s.prompts} | ${s.exact} | ${pct(s.mae)} | ${pct(s.maxUnder)} | ${pct(marginOf(s.method), 0)} | ${s.meanMicros > 0 ? `${(s.meanMicros / 1000).toFixed(2)} ms` : '–'} |`,
      );
    }
    const exact = a.stats.find((s) => s.method === 'exact');
    const local = a.stats.find((s) => s.method.startsWith('local'));
    out.push('');
    if (exact)
      out.push(
        `- Exact where the runtime tokenizes (0 error): ${verdict(exact.exact === exact.prompts && exact.prompts > 0)} (${exact.exact}/${exact.prompts}).`,
      );
    if (local)
      out.push(
        `- Local count MAE ≤ 2 % and no undercount beyond the ${pct(MARGINS.local.initialMargin, 0)} margin: ${verdict(local.mae <= 0.02 && local.maxUnder <= MARGINS.local.initialMargin)} (${local.method}: ${pct(local.mae)}, ${pct(local.maxUnder)}).`,
      );
    out.push('');
  }
  return out;
}

function windowSection(r: ContextBenchResult): string[] {
  const out = ['## A 40-turn conversation growing to 4× the context', ''];
  out.push(
    'One conversation per mode (each opens differently, so none starts from another’s KV cache), streamed turn by turn with the scripted answer appended, as a client replaying its history. TTFT is measured at the client; cache reuse comes from the runtime’s own log (llama-cpp-python’s prefix-match lines, Ollama’s cache-slot lines). A turn counts as reused when at least half its prompt came from the cache. "Past the context" starts at the first turn per-request drop-oldest had to cut.',
    '',
  );
  for (const runtime of [...new Set(r.window.map((w) => w.runtime))]) {
    const modes = r.window.filter((w) => w.runtime === runtime);
    const rolling = modes.find((m) => m.mode === 'rolling');
    const firstCut = Math.max(0, rolling?.turns.findIndex((t) => (t.dropped ?? 0) > 0) ?? 0);
    const past = modes.map((m) => summarizeMode(m, firstCut));
    out.push(`### ${runtime}`, '', `First cut at turn ${firstCut}.`, '');
    out.push(
      '| mode | answered | failed | mean TTFT (all) | mean TTFT (past the context) | p50 TTFT (past) | turns reused (past) | prompt tokens from cache (past) |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    modes.forEach((m, i) => {
      const p = past[i]!;
      out.push(
        `| ${m.mode} | ${m.all.answered} | ${m.all.failed} | ${ms(m.all.meanTtftMs)} | ${ms(p.meanTtftMs)} | ${ms(p.p50TtftMs)} | ${pct(p.reusedTurns, 0)} | ${pct(p.reusedShare, 0)} |`,
      );
    });
    const w = past[modes.findIndex((m) => m.mode === 'window')];
    const ro = past[modes.findIndex((m) => m.mode === 'rolling')];
    if (w && ro) {
      const ratio = ro.meanTtftMs / w.meanTtftMs;
      const ratioAll = modes.find((m) => m.mode === 'rolling')!.all.meanTtftMs / modes.find((m) => m.mode === 'window')!.all.meanTtftMs;
      out.push(
        '',
        `- Mean TTFT ≥ 3× lower than per-request drop-oldest: ${verdict(ratio >= 3)} (${ratio.toFixed(2)}× past the context, ${ratioAll.toFixed(2)}× over all turns).`,
      );
      out.push(
        `- KV-cache prefix reused on ≥ 80 % of turns: ${verdict(w.reusedTurns >= 0.8)} (${pct(w.reusedTurns, 0)} past the context; per-request drop-oldest: ${pct(ro.reusedTurns, 0)}).`,
      );
    }
    out.push('');
  }
  return out;
}

export function renderContextReport(r: ContextBenchResult): string {
  const m = r.machine;
  const out = [`# bench:context ${m.date.slice(0, 16)} ${m.gitSha}${m.gitDirty ? ' (dirty)' : ''}`, ''];
  out.push(
    `Options: \`${JSON.stringify(r.options)}\`. ${m.cores} × ${m.cpuModel}; load average ${m.loadAvgStart.join(' / ')} at the start, ${m.loadAvgEnd?.map((v) => v.toFixed(2)).join(' / ') ?? '?'} at the end; busy besides: ${m.othersBusy.join(', ') || 'nothing'}. ${r.minutes.toFixed(1)} minutes.`,
    '',
  );
  if (r.fit.length) {
    out.push('## Fitting when nothing must be dropped', '', '| case | µs per request | path |', '| --- | ---: | --- |');
    for (const f of r.fit) out.push(`| ${f.case} | ${f.microsPerCall.toFixed(2)} | ${f.path} |`);
    const worst = Math.max(...r.fit.map((f) => f.microsPerCall));
    out.push('', `- ≤ 50 µs for a 100-message conversation with warm caches: ${verdict(worst <= 50)} (worst case ${worst.toFixed(2)} µs).`, '');
  }
  if (r.accuracy.length) out.push(...accuracySection(r));
  if (r.window.length) out.push(...windowSection(r));
  return `${out.join('\n')}\n`;
}
