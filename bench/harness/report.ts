// Renders one run as bench/results/<date>-<sha>.md: machine, what the full pipeline really had,
// the issue-7 verdicts, the front doors against chat (issue 22), then every table (max RPS, added latency, streaming, open streams, policy,
// ratios) and the profile's hot spots.
import { n, pair, ratio, short, signed, table } from './markdown';
import { doorRounds } from './options';
import { addedPerRound, maxRps, measured, medianOf, skippedWhy, type RoundOf, type RunResults } from './results';
import { compareRuns, LATENCY_FLOOR_MS } from './compare';
import { OUTSIDE_STAGE } from './profile';
import { FIT_CONTEXT, TARGET_LABELS, isStageTarget, processOf, type TargetId } from './targets';
import { FIT_TURNS } from './workload';
import { doorRatePoint, doorTargets, doorVerdicts, issue28Verdicts, profileHint, stageTargets, verdicts, WAVE1, type Verdict } from './verdicts';

const ids = (r: RunResults): TargetId[] => r.targets.map((t) => t.id);
const label = (id: TargetId) => TARGET_LABELS[id];

function machineSection(r: RunResults): string {
  const m = r.machine;
  const rows: [string, string][] = [
    ['date', m.date],
    [
      'mode',
      `${r.options.quick ? 'quick' : 'full'} (${r.durationSeconds.toFixed(0)} s: ${Object.entries(r.phaseSeconds)
        .map(([k, v]) => `${k.split(' (')[0]} ${v.toFixed(0)} s`)
        .join(', ')})`,
    ],
    ['git', `${m.gitSha}${m.gitDirty ? ' (uncommitted changes)' : ''}`],
    ['node', m.node],
    ['os', m.os],
    ['cpu', `${m.cpuModel}, ${m.cores} cores`],
    ['memory', `${m.memGiB} GiB`],
    ['open files limit', m.fdLimit],
    ['pinning', m.pinning],
    ['load average at start / end', `${m.loadAvgStart.join(' ')} / ${m.loadAvgEnd?.join(' ') ?? '?'}`],
    ['other busy processes at start', m.othersBusy.join(', ') || 'none above 5 %'],
    [
      'packages',
      Object.entries(m.packages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
  ];
  return `## Machine\n\n${table(['', ''], rows, ['l', 'l'])}`;
}

function pipelineSection(r: RunResults): string {
  const yes = (b: boolean | undefined) => (b === undefined ? '–' : b ? 'yes' : '**no**');
  const rows = (['aegis-full', 'aegis-min'] as const).flatMap((id) => {
    const p = r.pipeline[id];
    if (!p) return [];
    return [
      [
        label(id),
        p.sections.join(', ') || 'none',
        yes(p.authRejectsAnonymous),
        yes(p.policyDecisionHeader),
        yes(p.schedulerAdmin),
        yes(p.metricsCounting),
        p.spoolBytes === undefined ? '–' : `${p.spoolBytes} B`,
      ],
    ];
  });
  return `## What the Aegis targets really ran\n\nChecked from outside: 401 without a key; \`x-aegis-decision-id\` on answers (policy); \`GET /admin/ps\` answers (scheduler); \`aegis_requests_total\` counts (metrics); bytes recording left on disk (embedded database and spool) after the run.\n\n${table(['target', 'config sections (scheduler, policy, rag)', 'auth', 'policy', 'scheduler', 'metrics', 'RAG on disk'], rows)}`;
}

function verdictTable(vs: Verdict[]): string {
  const digits = (unit: string) => (unit === '×' ? 2 : unit === 'ms' ? 3 : unit === 'MiB' || unit === 'MiB/min' ? 1 : 0);
  const rows = vs.map((v) => [
    v.target,
    `${n(v.value, digits(v.unit))} ${v.unit}`,
    v.threshold,
    v.pass === undefined ? 'n/a' : v.pass ? 'pass' : '**MISS**',
    v.note,
  ]);
  return table(['target', 'measured', 'threshold', 'verdict', 'note'], rows, ['l', 'r', 'l', 'l', 'l']);
}

function verdictSection(r: RunResults): string {
  const vs = verdicts(r);
  const missed = vs.filter((v) => v.pass === false);
  const hint = missed.length ? `\n\nMissed: ${missed.length}. ${profileHint(r)}` : '';
  return `## Targets (issue 7)\n\n${verdictTable(vs)}${hint}`;
}

/** Issue 22: the Responses and Messages doors against chat, through the same Aegis full process. */
function doorSection(r: RunResults): string {
  const doors = doorTargets(r);
  if (!doors.length) return '';
  const yes = (b: boolean | undefined) => (b === undefined ? '–' : b ? 'yes' : '**no**');
  const checks = (['aegis-full', ...doors] as TargetId[]).map((id) => {
    const c = r.doors?.[id];
    if (!c) return [label(id), '–', 'not checked', '', '', '', ''];
    return [
      label(id),
      `\`${c.path}\``,
      `${yes(c.whole)}${c.whole ? '' : ` (${c.why ?? ''})`}`,
      `${yes(c.stream)}${c.whole && !c.stream ? ` (${c.why ?? ''})` : ''}`,
      yes(c.policyDecisionHeader),
      yes(c.refusesAnonymous),
      n(c.promptTokens),
    ];
  });
  const point = doorRatePoint(r);
  const chatRps = maxRps(r, 'aegis-full').median;
  const perCore = (id: TargetId) => medianOf(r.saturation[id], (x) => x.rps / x.targetCores);
  const rows = (['aegis-full', ...doors] as TargetId[]).map((id) => {
    const vsChat = <T>(rounds: Partial<Record<TargetId, RoundOf<T>[]>> | undefined, f: (x: T) => number) =>
      id === 'aegis-full' ? '(baseline)' : signed(addedPerRound(rounds?.[id], rounds?.['aegis-full'], f));
    const rate = point?.rounds;
    return [
      label(id),
      n(maxRps(r, id).median),
      id === 'aegis-full' ? '(baseline)' : ratio(maxRps(r, id).median, chatRps),
      n(perCore(id)),
      pair(
        medianOf(rate?.[id], (x) => x.latency.p50),
        medianOf(rate?.[id], (x) => x.latency.p99),
        3,
      ),
      `${vsChat(rate, (x) => x.latency.p50)} / ${vsChat(rate, (x) => x.latency.p99)}`,
      n(
        medianOf(r.streaming[id], (x) => x.ttft.p50),
        2,
      ),
      vsChat(r.streaming, (x) => x.ttft.p50),
      vsChat(r.streaming, (x) => x.gap.p50),
    ];
  });
  return `## Front doors (issue 22)\n\nThe same Aegis full process sent the same request through each front door, measured interleaved with chat in every phase: \`/v1/responses\` as \`{model, instructions, input, max_output_tokens, stream, store: false}\` (Bearer key), \`/v1/messages\` as \`{model, max_tokens, system, messages, stream}\` (\`x-api-key\`, \`anthropic-version: 2023-06-01\`); "store: true" (when run, \`--doors responses-store\`) also keeps every response in the record store. Max RPS and streaming come from those phases' rounds; latency from an open loop at ${point ? point.label : "a share of Aegis full's max (not measured)"}, ${r.options.rateSeconds} s per run, ${doorRounds(r.options)} interleaved rounds, well below capacity so a difference is the door's work rather than queueing. Differences are door − chat per round, median over rounds.\n\n${verdictTable(doorVerdicts(r))}\n\nChecked before measuring: the whole answer in the door's shape with exactly the mock's text, the stream with every token in the door's events and its final event, \`x-aegis-decision-id\`, 401 without a key in the door's own error envelope, and the prompt tokens Aegis counted (the same as chat's when the translation produced the same chat request).\n\n${table(['door', 'path', 'whole answer', 'stream', 'policy decision', '401 without key', 'prompt tokens'], checks)}\n\n${table(['door', 'max RPS', 'max RPS / chat', 'RPS per CPU-second', `p50 / p99 at ${point?.rate ?? '–'} RPS (ms)`, 'p50 / p99 − chat (ms)', 'TTFT p50 (ms)', 'TTFT p50 − chat (ms)', 'gap p50 − chat (ms)'], rows)}`;
}

function saturationSection(r: RunResults): string {
  const rows = ids(r).map((id) => {
    const m = measured(r.saturation[id]);
    const s = maxRps(r, id);
    if (!m.length)
      return [label(id), skippedWhy(r.saturation[id]) ?? r.targets.find((t) => t.id === id)?.failure ?? 'not measured', '', '', '', '', '', '', '', ''];
    return [
      label(id),
      n(s.median),
      `${n(s.q1)}–${n(s.q3)}`,
      m.map((x) => n(x.rps)).join(', '),
      pair(
        medianOf(r.saturation[id], (x) => x.p50Ms),
        medianOf(r.saturation[id], (x) => x.p99Ms),
      ),
      String(m.reduce((a, x) => a + x.errors + x.non2xx + x.timeouts, 0)),
      n(
        medianOf(r.saturation[id], (x) => x.targetCores),
        2,
      ),
      id === 'direct' ? '–' : n(medianOf(r.saturation[id], (x) => x.rps / x.targetCores)),
      id === 'direct'
        ? '–'
        : n(
            medianOf(r.saturation[id], (x) => (x.coreBusy[1] ?? Number.NaN) - x.targetCores),
            2,
          ),
      n(
        medianOf(r.saturation[id], (x) => x.coreBusy[0] ?? Number.NaN),
        2,
      ),
    ];
  });
  const o = r.options;
  return `## Max RPS (saturation)\n\nautocannon, closed loop, ${o.connections} connections, non-streaming, 0 ms upstream delay, ${o.saturationSeconds} s per run after ${o.warmupSeconds} s warm-up (and ${o.initialWarmupSeconds} s per target before round 1), ${o.rounds} interleaved rounds. For direct, the CPU column is the mock's; direct shares its core with the load generator, so its max is a floor of the mock+client, not of a gateway. "Others on core 1" is what other processes of the box took from the gateway core during the run (core 1 busy − target): above ~0.1 the figure is depressed by a shared machine. "RPS per CPU-second" (RPS ÷ target cores) is the noise-robust capacity of one dedicated gateway core.\n\n${table(['target', 'max RPS (median)', 'IQR', 'per round', 'latency p50 / p99 (ms)', 'errors', 'target CPU (cores)', 'RPS per CPU-second', 'others on core 1', 'core 0 busy'], rows)}`;
}

function fixedRateSection(r: RunResults): string {
  if (!r.fixedRates.length) return '## Added latency at fixed rates\n\nNot measured.';
  const parts = r.fixedRates.map((p) => {
    // The front doors have their own rate (the front-door section).
    const rows = ids(r)
      .filter((id) => processOf(id) === id || p.rounds[id] !== undefined)
      .map((id) => {
        const m = measured(p.rounds[id]);
        if (!m.length) return [label(id), skippedWhy(p.rounds[id]) ?? 'not measured', '', '', '', '', ''];
        const pick = (f: (x: (typeof m)[number]) => number) => medianOf(p.rounds[id], f);
        const added50 = id === 'direct' ? Number.NaN : addedPerRound(p.rounds[id], p.rounds.direct, (x) => x.latency.p50);
        const added99 = id === 'direct' ? Number.NaN : addedPerRound(p.rounds[id], p.rounds.direct, (x) => x.latency.p99);
        return [
          label(id),
          pair(
            pick((x) => x.latency.p50),
            pick((x) => x.latency.p99),
            3,
          ),
          id === 'direct' ? '(baseline)' : `${signed(added50)} / ${signed(added99)}`,
          n(pick((x) => x.achievedRps)),
          String(m.reduce((a, x) => a + x.errors + x.unfinished, 0)),
          String(m.reduce((a, x) => a + x.dropped, 0)),
          n(
            pick((x) => x.sendLagP99Ms),
            2,
          ),
        ];
      });
    return `### ${p.label}\n\n${table(['target', 'p50 / p99 (ms)', 'added p50 / p99 vs direct (ms)', 'achieved RPS', 'errors', 'dropped', 'send lag p99 (ms)'], rows)}`;
  });
  return `## Added latency at fixed rates\n\nOpen loop (requests sent on schedule whatever the answers do), µs timing, ${r.options.rateSeconds} s per run after a warm-up at the same rate. Added = target − direct per percentile in the same round, median over rounds. "Send lag" is how late the generator itself was (large = the load generator's core was the limit). Rates above 90 % of a target's own max RPS are skipped for that target.\n\n${parts.join('\n\n')}`;
}

function streamingSection(r: RunResults): string {
  const s = r.options.stream;
  const rows = ids(r)
    .filter((id) => !isStageTarget(id))
    .map((id) => {
      const m = measured(r.streaming[id]);
      if (!m.length) return [label(id), skippedWhy(r.streaming[id]) ?? 'not measured', '', '', '', '', '', '', ''];
      const med = (f: (x: (typeof m)[number]) => number) => medianOf(r.streaming[id], f);
      const add = (f: (x: (typeof m)[number]) => number) => (id === 'direct' ? '(baseline)' : signed(addedPerRound(r.streaming[id], r.streaming.direct, f)));
      return [
        label(id),
        pair(
          med((x) => x.ttft.p50),
          med((x) => x.ttft.p99),
          2,
        ),
        `${add((x) => x.ttft.p50)} / ${add((x) => x.ttft.p99)}`,
        id === 'direct' || id === 'thin' ? '–' : signed(addedPerRound(r.streaming[id], r.streaming.thin, (x) => x.ttft.p50)),
        pair(
          med((x) => x.gap.p50),
          med((x) => x.gap.p99),
          3,
        ),
        `${add((x) => x.gap.p50)} / ${add((x) => x.gap.p99)}`,
        String(m.reduce((a, x) => a + x.streams, 0)),
        String(m.reduce((a, x) => a + x.errors, 0)),
        String(m.reduce((a, x) => a + x.coalesced, 0)),
      ];
    });
  const errs = ids(r).flatMap((id) => measured(r.streaming[id]).flatMap((x) => x.errorSamples.map((e) => `- ${label(id)}: ${e}`)));
  return `## Streaming overhead\n\n${r.options.streamConcurrency} concurrent clients, mock TTFT ${s.ttftMs} ms then ${s.tokens} tokens every ${s.gapMs} ms, ${r.options.streamSeconds} s per run. TTFT from the send to the first token; gaps between tokens as delivered to the client (tokens arriving in one read count as 0 ms, "coalesced").\n\n${table(['target', 'TTFT p50 / p99 (ms)', 'added TTFT p50 / p99', 'TTFT p50 over thin', 'gap p50 / p99 (ms)', 'added gap p50 / p99', 'streams', 'errors', 'coalesced'], rows)}${errs.length ? `\n\nFirst errors:\n${errs.slice(0, 10).join('\n')}` : ''}`;
}

/** Issue 28: the restated latency rows, TTFT over thin, the wave-2 stage shapes, stage costs and the previous run. */
function issue28Section(r: RunResults): string {
  const parts = [
    `## Targets (issue 28)\n\nLatency at ${(r.options.ownRates ?? []).map((x) => `${Math.round(x * 100)} %`).join(' and ') || 'fractions'} of Aegis full's own max RPS (this run's saturation median), direct, thin and Aegis full at the same rate, open loop, ${r.options.rateSeconds} s per run, ${doorRounds(r.options)} interleaved rounds; "over thin" is Aegis full − thin per round, median over rounds. TTFT and gaps from the streaming phase (the same ${r.options.streamConcurrency} clients against each target, so the same stream rate). The stage shapes run interleaved with chat in the saturation rounds, in the same Aegis full process. The old issue-7 rows at 25 % of direct's max stay above, marked superseded.\n\n${verdictTable(issue28Verdicts(r))}`,
  ];
  for (const p of r.ownRates ?? []) {
    const rows = ids(r)
      .filter((id) => p.rounds[id] !== undefined)
      .map((id) => {
        const m = measured(p.rounds[id]);
        if (!m.length) return [label(id), skippedWhy(p.rounds[id]) ?? 'not measured', '', '', '', '', ''];
        const pick = (f: (x: (typeof m)[number]) => number) => medianOf(p.rounds[id], f);
        const over = (base: TargetId) =>
          id === base
            ? '(baseline)'
            : `${signed(addedPerRound(p.rounds[id], p.rounds[base], (x) => x.latency.p50))} / ${signed(addedPerRound(p.rounds[id], p.rounds[base], (x) => x.latency.p99))}`;
        return [
          label(id),
          pair(
            pick((x) => x.latency.p50),
            pick((x) => x.latency.p99),
            3,
          ),
          over('direct'),
          id === 'direct' ? '–' : over('thin'),
          n(pick((x) => x.achievedRps)),
          String(m.reduce((a, x) => a + x.errors + x.unfinished + x.dropped, 0)),
          n(
            pick((x) => x.sendLagP99Ms),
            2,
          ),
        ];
      });
    parts.push(
      `### ${p.label}\n\n${table(['target', 'p50 / p99 (ms)', 'over direct p50 / p99 (ms)', 'over thin p50 / p99 (ms)', 'achieved RPS', 'errors + dropped', 'send lag p99 (ms)'], rows)}`,
    );
  }
  parts.push(stageShapeSection(r), stageCostSection(r), comparisonSection(r));
  return parts.filter(Boolean).join('\n\n');
}

function stageShapeSection(r: RunResults): string {
  const shapes = stageTargets(r);
  if (!shapes.length) return '';
  const full = maxRps(r, 'aegis-full').median;
  const perCore = (id: TargetId) => medianOf(r.saturation[id], (x) => x.rps / x.targetCores);
  const rows = (['aegis-full', ...shapes] as TargetId[]).map((id) => {
    const c = r.stages?.[id];
    const what =
      id === 'aegis-full'
        ? 'the bench prompt, no tools (the common case)'
        : c
          ? `${c.whole ? 'answer ok' : `**failed**: ${c.why ?? ''}`}; \`x-aegis-context\`: ${c.context ?? 'none'}${c.stage === 'tools' ? `; constrained upstream request: ${c.constrainedUpstream ? 'yes' : '**no**'}` : ''}`
          : 'not checked';
    return [
      label(id),
      n(maxRps(r, id).median),
      id === 'aegis-full' ? '(baseline)' : ratio(maxRps(r, id).median, full),
      ratio(maxRps(r, id).median, maxRps(r, 'thin').median),
      ratio(maxRps(r, id).median, maxRps(r, 'portkey').median, 1),
      n(perCore(id)),
      what,
    ];
  });
  return `### Wave-2 stage shapes (max RPS)\n\nThrough Aegis full's chat door, same process, interleaved with chat in every saturation round: \`fit\` sends a ${FIT_TURNS}-turn conversation (~14,000 characters) to a model with a ${FIT_CONTEXT}-token context, so the context stage counts (the mock has no tokenize endpoint: the calibrated estimate) and cuts, remembering the cut for the conversation as a client resending it would get; \`tools\` sends the bench prompt with three tools to a model with \`capabilities.tools: emulated\`, so the tools stage renders them into the prompt and asks for a constrained answer (\`response_format\`), which the mock answers as \`{"response": "<text>"}\` and Aegis' parser turns back into content. The wave-1 figure for the common case: ${WAVE1.rps} RPS (${WAVE1.run}).\n\n${table(['shape', 'max RPS', '/ common case', '/ thin', '/ Portkey', 'RPS per CPU-second', 'checked'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'l'])}`;
}

function stageCostSection(r: RunResults): string {
  const costs = r.profile?.stageCosts;
  if (!costs?.length) return `### Stage costs\n\n${r.profile ? (r.profile.error ?? 'Not measured.') : 'Not measured (--no-profile).'}`;
  const stages = costs[0]!.stages.map((s) => s.stage);
  const rows = stages.map((stage) => [
    stage,
    ...costs.flatMap((c) => {
      const s = c.stages.find((x) => x.stage === stage);
      return [n(s?.usPerRequest, 1), n(s?.percent, 1)];
    }),
  ]);
  rows.push(['**busy, all**', ...costs.flatMap((c) => [n(c.busyUsPerRequest, 1), '100'])]);
  const head = ['stage', ...costs.flatMap((c) => [`${c.shape} µs/req`, `${c.shape} %`])];
  const runs = costs
    .map(
      (c) =>
        `${c.shape} ${n(c.requests)} requests in ${n(c.seconds, 1)} s${c.failed ? ` (**${c.failed} failed**: its column is the error path's; one request after it: ${c.failure ?? '?'})` : ''}`,
    )
    .join(', ');
  return `### Stage costs (profile at saturation)\n\nThe profiled Aegis full (\`--cpu-prof\`, pinned like the measured one) at saturation, one run per request shape (${runs}), windowed by the profiler's clock. Each sample goes to the stage of the innermost frame on its stack that is a stage function (\`STAGE_FRAMES\` in \`harness/profile.ts\`: authenticate = \`authMiddleware\`, parse = \`readJsonBody\`, 3–10 the functions of \`src/gateway/stages/*\`, finish = \`Exchange.finish\`, record = \`src/cli/wiring-rag.ts\` and \`src/rag/\`), callees included. µs of the profiled process per request, the profiler's own cost included, so compare rows within a run. "${OUTSIDE_STAGE}" is the HTTP server, Hono, undici's socket work and GC: no Aegis frame on the stack.\n\n${table(head, rows, ['l', ...costs.flatMap(() => ['r', 'r'] as const)])}`;
}

function comparisonSection(r: RunResults): string {
  const p = r.previous;
  if (!p) return '### Compared with the previous full run\n\nNo earlier full run in the results folder.';
  const cs = compareRuns(r, p);
  const regressions = cs.filter((c) => c.regression);
  const digits = (u: string) => (u === 'ms' ? 3 : u === 'µs' ? 1 : 0);
  const rows = cs.map((c) => [
    c.name,
    `${n(c.before, digits(c.unit))} ${c.unit}`,
    `${n(c.after, digits(c.unit))} ${c.unit}`,
    `${c.worse > 0 ? 'worse' : 'better'} ${(100 * Math.abs(c.worse)).toFixed(1)} %`,
    c.regression ? `**regression**${c.cause ? `: ${c.cause}` : ''}` : '',
  ]);
  const named = regressions.length
    ? `Regressions over 5 %: ${regressions.map((c) => `${c.name} (${(100 * c.worse).toFixed(0)} %)`).join('; ')}.`
    : 'No row is more than 5 % worse.';
  const quick = r.options.quick ? ' This run is a quick one (fewer, shorter rounds): its figures are indicative against a full run.' : '';
  return `### Compared with the previous full run\n\n${p.file.replace(/\.json$/, '.md')} (${p.date.slice(0, 16)}, ${p.gitSha}, load average at start ${p.loadAvgStart.join(' ')}; this run: ${r.machine.loadAvgStart.join(' ')}). Every row both runs have; a regression is more than 5 % worse (latency rows also by more than ${LATENCY_FLOOR_MS} ms). A max-RPS regression whose RPS per CPU-second held is the box, not the code.${quick}\n\n${named}\n\n${table(['row', 'previous', 'this run', 'change', ''], rows, ['l', 'r', 'r', 'l', 'l'])}`;
}

function holdSection(r: RunResults): string {
  const h0 = r.options.hold;
  const rows = ids(r).map((id) => {
    const h = r.hold[id];
    if (!h || 'skipped' in h) return [label(id), h ? h.skipped : 'not measured', '', '', '', '', '', '', '', '', ''];
    return [
      `${label(id)}${id === 'direct' ? ' (mock process)' : ''}`,
      `${h.seconds}`,
      pair(r.targets.find((t) => t.id === id)?.idleRssMiB, h.idleRssMiB),
      n(h.rssAtCommonMiB),
      `${n(h.rssStartMiB)} → ${n(h.rssEndMiB)} (max ${n(h.rssMaxMiB)})`,
      pair(h.rssSlopeMiBPerMin, h.rssSlopeWholeMiBPerMin, 2),
      n(h.cores, 2),
      `${h.load.errors} / ${h.load.stalls}`,
      pair(h.load.ttft.p50, h.load.gap.p99, 1),
      `${h.minOpen} (${n(h.load.streamsPerSec, 1)}/s done)`,
      pair(100 * (h.coreBusy[0] ?? Number.NaN), 100 * (h.coreBusy[1] ?? Number.NaN)),
    ];
  });
  const errs = ids(r).flatMap((id) => {
    const h = r.hold[id];
    return h && !('skipped' in h) ? h.load.errorSamples.map((e) => `- ${label(id)}: ${e}`) : [];
  });
  return `## ${r.options.holdStreams} concurrent open streams\n\nEach client restarts its stream when it ends: mock TTFT ${h0.ttftMs} ms, ${h0.tokens} tokens every ${h0.gapMs} ms (≈ ${((h0.tokens * h0.gapMs) / 1000).toFixed(0)} s per stream, ${n((r.options.holdStreams * 1000) / h0.gapMs)} tokens/s in all). Ramp 3 s, settle 2 s (15 s for holds ≥ 2 min), then the hold window; RSS and CPU sampled every second from /proc. Slope = least-squares RSS trend over the second half of the window (after the heap's plateau, as in benchmarking.md D3) and over all of it. "RSS at +N s" compares targets at the same point (the other targets' hold length). A stall is a gap > 10× the pace; TTFT includes the ramp. Core 0 (mock + client) near 100 % busy means the harness, not the target, limited pacing and TTFT.\n\n${table(['target', 'hold (s)', 'RSS cold / before (MiB)', `RSS at +${r.options.otherHoldSeconds} s (MiB)`, 'RSS in hold (MiB)', 'RSS slope 2nd half / whole (MiB/min)', 'CPU (cores)', 'errors / stalls', 'TTFT p50 / gap p99 (ms)', 'min open', 'core 0 / 1 busy (%)'], rows)}${errs.length ? `\n\nFirst errors:\n${errs.slice(0, 10).join('\n')}` : ''}`;
}

function policySection(r: RunResults): string {
  const p = r.policy;
  if (!p) return '## Policy evaluation\n\nNot measured.';
  if (p.error || !p.micros) return `## Policy evaluation\n\nNot measured: ${p.error ?? 'no samples'} (${p.what}).`;
  const m = p.micros;
  return `## Policy evaluation\n\n${p.what}; ${p.iterations} calls in process after 2,000 warm-up calls; decision ${p.allowed ? 'allow' : 'deny'}.\n\n${table(['p50 (µs)', 'p90 (µs)', 'p99 (µs)', 'max (µs)', 'mean (µs)'], [[n(m.p50, 1), n(m.p90, 1), n(m.p99, 1), n(m.max, 1), n(m.mean, 1)]], ['r', 'r', 'r', 'r', 'r'])}`;
}

function ratioSection(r: RunResults): string {
  const rps = (id: TargetId) => maxRps(r, id).median;
  const low = r.fixedRates.find((p) => p.spec > 1) ?? r.fixedRates[0];
  const added = (id: TargetId, pct: 'p50' | 'p99') => (low ? addedPerRound(low.rounds[id], low.rounds.direct, (x) => x.latency[pct]) : Number.NaN);
  const idle = (id: TargetId) => r.targets.find((t) => t.id === id)?.idleRssMiB ?? Number.NaN;
  const rows = (['aegis-full', 'aegis-min'] as const).map((id) => [
    label(id),
    ratio(rps(id), rps('direct')),
    ratio(rps(id), rps('thin')),
    ratio(rps(id), rps('portkey')),
    ratio(added(id, 'p50'), added('portkey', 'p50')),
    ratio(added(id, 'p99'), added('portkey', 'p99')),
    ratio(idle(id), idle('portkey')),
  ]);
  return `## Ratios\n\nMax RPS ratios from the saturation medians (higher is better for Aegis). Added-latency ratios at ${low?.label ?? '–'} (lower is better). Idle RSS after startup (lower is better).\n\n${table(['', 'max RPS / direct', 'max RPS / thin', 'max RPS / Portkey', 'added p50 / Portkey', 'added p99 / Portkey', 'idle RSS / Portkey'], rows)}`;
}

function profileSection(r: RunResults): string {
  const p = r.profile;
  if (!p) return '## Profile\n\nNot taken (--no-profile).';
  if (p.error) return `## Profile\n\nFailed: ${p.error}`;
  const top = table(
    ['function', 'where', 'self ms', 'self %'],
    p.topSelf.map((s) => [short(s.name), s.where, n(s.ms), n(s.percent, 1)]),
    ['l', 'l', 'r', 'r'],
  );
  const areas = table(
    ['area', 'self %'],
    p.areas.map((a) => [a.name, n(a.percent, 1)]),
    ['l', 'r'],
  );
  const files = table(
    ['Aegis file', 'inclusive %'],
    p.aegisFiles.map((a) => [a.name, n(a.percent, 1)]),
    ['l', 'r'],
  );
  return `## Profile of Aegis (full) at saturation\n\n\`node --cpu-prof\`, ${r.options.connections} connections for ${r.options.profileSeconds} s (${n(p.rps)} RPS with the profiler on${p.failed ? `, **${p.failed} requests failed: the profile shows the error path**` : ''}); only the measured stretch is analysed (${n(p.totalMs)} ms of samples, ${n(p.idlePercent, 1)} % idle). Profile file: \`${p.file ?? '?'}\` (open in Chrome DevTools › Performance, or speedscope).\n\n${profileHint(r)}\n\n### Self time by area\n\n${areas}\n\n### Hottest functions (self time)\n\n${top}\n\n### Aegis source files (inclusive time)\n\n${files}`;
}

export function renderReport(r: RunResults, command: string): string {
  const failures = r.targets
    .filter((t) => t.failure || t.streamFailure)
    .map((t) => `- ${t.label}: ${t.failure ?? ''}${t.failure && t.streamFailure ? '; ' : ''}${t.streamFailure ?? ''}`);
  const errors = r.errors.map((e) => `- ${e}`);
  return [
    `# Gateway overhead benchmark — ${r.machine.date.slice(0, 10)} (${r.machine.gitSha}${r.options.quick ? ', quick' : ''})`,
    `Generated by \`${command}\` (bench/run.ts). Targets run in their own processes; gateways pinned to core 1, mock and load generator on core 0 (benchmarking.md §6.1). JSON with every round: the file next to this one.`,
    machineSection(r),
    verdictSection(r),
    doorSection(r),
    issue28Section(r),
    pipelineSection(r),
    failures.length || errors.length ? `## Problems in this run\n\n${[...failures, ...errors].join('\n')}` : '',
    saturationSection(r),
    fixedRateSection(r),
    streamingSection(r),
    holdSection(r),
    policySection(r),
    ratioSection(r),
    profileSection(r),
  ]
    .filter(Boolean)
    .join('\n\n')
    .concat('\n');
}
