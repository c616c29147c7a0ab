// `npm run bench:policy`: evaluation time per request for the shipped policy (policy/bundle, default
// data) with realistic inputs, p50/p99 in µs; writes bench/results/policy.md. Target: p50 < 20 µs.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { WasmPolicyEngine, buildPolicyInput, buildToolCallInput, defaultPolicyData, preparePolicyData, readBundleDir, type PolicyInput } from '../src/policy';

const repo = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const TARGET_P50_US = 20;
const ROUNDS = 12;
const PER_ROUND = 5_000;

const model = {
  name: 'qwen2.5-7b-instruct',
  version: '3',
  aliases: ['qwen', 'default-chat'],
  tags: ['general', 'multilingual'],
  priority: 'standard',
  upstream: 'lmstudio',
};
const system = 'You are a careful assistant for the platform team. Answer briefly and cite internal docs when you can.';
const question = 'Our nightly build fails at the integration step with "connection refused" against the cache service. '.repeat(6);

/** A stream of chat requests as a gateway sees them: a few principals, usage counters moving. */
function requestInputs(): PolicyInput[] {
  const principals = [
    { id: 'k_alice', name: 'alice', roles: ['user'] },
    { id: 'k_ci', name: 'ci-bot', roles: ['batch'] },
    { id: 'k_bob', name: 'bob', roles: ['user'] },
    { id: 'k_ops', name: 'ops', roles: ['user', 'admin'] },
  ];
  return Array.from({ length: 64 }, (_, i) =>
    buildPolicyInput({
      principal: principals[i % principals.length]!,
      route: { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat' },
      model,
      body: {
        messages: [
          { role: 'system', content: system },
          { role: 'user', content: `${question} (#${i})` },
        ],
        max_tokens: [256, 1024, 8000][i % 3],
        stream: i % 2 === 0,
        tools:
          i % 4 === 0
            ? [
                { type: 'function', function: { name: 'search_docs' } },
                { type: 'function', function: { name: 'get_ticket' } },
              ]
            : [],
      },
      estimatedPromptTokens: 180 + i,
      usage: { requests_last_minute: i % 40, tokens_today: 40_000 + i * 1_000 },
      nowMs: Date.UTC(2026, 10, 24, 9 + (i % 8), 15),
    }),
  );
}

interface Variant {
  name: string;
  run: (i: number) => unknown;
}

interface Row {
  name: string;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  roundP50s: number[];
}

const q = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/** Interleaved rounds, so background load on a shared 2-core box hits every variant alike. */
function measure(variants: Variant[]): Row[] {
  const samples = variants.map(() => [] as number[]);
  const roundP50s = variants.map(() => [] as number[]);
  for (const v of variants) for (let i = 0; i < 20_000; i++) v.run(i);
  for (let round = 0; round < ROUNDS; round++) {
    variants.forEach((v, k) => {
      const r: number[] = [];
      for (let i = 0; i < PER_ROUND; i++) {
        const t = process.hrtime.bigint();
        v.run(i);
        r.push(Number(process.hrtime.bigint() - t) / 1_000);
      }
      samples[k]!.push(...r);
      roundP50s[k]!.push(
        q(
          r.sort((a, b) => a - b),
          0.5,
        ),
      );
    });
  }
  return variants.map((v, k) => {
    const s = samples[k]!.sort((a, b) => a - b);
    return {
      name: v.name,
      p50: q(s, 0.5),
      p90: q(s, 0.9),
      p99: q(s, 0.99),
      mean: s.reduce((a, b) => a + b, 0) / s.length,
      roundP50s: roundP50s[k]!.sort((a, b) => a - b),
    };
  });
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const bundle = await readBundleDir(repo('policy/bundle'));
  const engine = await WasmPolicyEngine.create({ bundle, data: defaultPolicyData });
  const sdk = await loadPolicy(bundle.wasm as unknown as Parameters<typeof loadPolicy>[0]);
  sdk.setData(preparePolicyData(defaultPolicyData));

  const inputs = requestInputs();
  const one = inputs[0]!;
  const oneBytes = new TextEncoder().encode(JSON.stringify(one));
  const calls = inputs.map((input, i) =>
    buildToolCallInput(input, { server: 'aegis', tool: i % 2 ? 'rag_search' : 'list_models', arguments: { query: 'release checklist', limit: 5 }, round: 1 }),
  );
  const pick = <T>(list: T[], i: number) => list[i % list.length]!;

  const rows = measure([
    { name: 'engine.decide, request stream (the gateway path)', run: (i) => engine.decide(pick(inputs, i)) },
    { name: 'engine.decide, one repeated request', run: () => engine.decide(one) },
    { name: 'engine.decide, MCP tool call', run: (i) => engine.decide(pick(calls, i)) },
    { name: 'SDK policy.evaluate(object), same request', run: () => sdk.evaluate(one, 'aegis/authz/decision') },
    { name: 'SDK policy.evaluate(ArrayBuffer), JSON pre-encoded', run: () => sdk.evaluate(oneBytes.buffer, 'aegis/authz/decision') },
    {
      name: 'buildPolicyInput (facts over a 700-char prompt)',
      run: (i) =>
        buildPolicyInput({
          principal: one.principal,
          route: one.route,
          model,
          body: {
            messages: [
              { role: 'system', content: system },
              { role: 'user', content: `${question}${i}` },
            ],
          },
          nowMs: 0,
        }),
    },
    { name: 'crypto.randomUUID (decision id)', run: () => randomUUID() },
  ]);
  const loadAfter = loadavg()[0]!;

  const gateway = rows[0]!;
  const verdict =
    gateway.p50 < TARGET_P50_US
      ? `met (p50 ${gateway.p50.toFixed(1)} µs < ${TARGET_P50_US} µs)`
      : `missed (p50 ${gateway.p50.toFixed(1)} µs ≥ ${TARGET_P50_US} µs)`;
  const fmt = (n: number) => n.toFixed(1);
  const table = [
    '| what | p50 µs | p90 µs | p99 µs | mean µs | round p50s min–max |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.p99)} | ${fmt(r.mean)} | ${fmt(r.roundP50s[0]!)}–${fmt(r.roundP50s[r.roundP50s.length - 1]!)} |`,
    ),
  ].join('\n');
  const report = `# Policy evaluation benchmark

Generated by \`npm run bench:policy\` (bench/policy.ts). Shipped policy \`policy/bundle\` (wasm ${bundle.manifest.wasm_sha256.slice(0, 12)},
opa ${bundle.manifest.opa_version}) with the default data; ${ROUNDS} interleaved rounds × ${PER_ROUND.toLocaleString('en')} timed calls per row after
20,000 warm-up calls; each call timed alone with \`process.hrtime.bigint()\` (adds ~0.05–0.1 µs).

Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; 1-min load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after
(other work on this shared box inflates every figure alike; compare rows, and rerun on a quiet machine for absolutes).

**Target p50 < ${TARGET_P50_US} µs per request: ${verdict}.**

${table}

Input: ${oneBytes.byteLength} bytes of JSON for the first request (role user, 1 model, usage, time, content facts).

## Where the time goes, and what was changed to get here

Measured on this machine while the policy was being written (same load conditions as above, µs per call):

| step | decision p50 |
| --- | ---: |
| first policy (a \`setting()\` helper with defaults fallback per field, loops over roles in every rule), SDK \`evaluate\` | ~30 |
| data prepared in TypeScript once per config (defaults merged into roles, "*" expanded, patterns split, ranks looked up) | ~27 |
| own evaluator on the SDK's instance (\`opa_eval\` ABI 1.2, \`encodeInto\` straight into wasm memory, native \`indexOf(0)\` for the result) | ~22 |
| roles merged once into \`grant\`; \`in\` instead of helper loops; model capabilities dropped from the input | ~20 |
| separate \`tool_decision\` entrypoint (request rules no longer test \`is_tool_call\`); flat result object | ~17.5 |
| content facts in the input only when found; \`redact\` returned as prepared when nothing was found | ~16.5–17 |

The own evaluator saves ~5 µs against the SDK's \`evaluate\` with the first policy's large nested result
(the SDK finds the result's NUL byte with a JS loop) and ~0.7 µs with the final flat one (compare the rows above,
which include the engine's decision id and reshaping). CPU profile of the final policy: ~16% parsing the input JSON inside wasm (~5 ns/byte), ~47% rule evaluation
(much of it OPA's per-rule memoisation: a hash insert per rule), ~8% serialising the result inside wasm
(the whole decision object is also hashed into the result set), ~20% JS (JSON.stringify of the input,
JSON.parse of the result). Each Rego rule or function invocation costs ~0.25–0.3 µs; \`setData\` preparation
and merging roles into one \`grant\` are what keep that count down. Further levers, not taken: dropping
documented input fields the shipped rules do not read (route.method/path, principal.name, time.now_ms,
model.upstream: ~0.5 µs). Taken since: parsed results reused by their JSON text, and the input and result moved
through a Buffer view of wasm memory instead of TextEncoder/TextDecoder (evaluation alone 15.3 → 13.9 µs in a loop).
`;
  mkdirSync(repo('bench/results'), { recursive: true });
  writeFileSync(repo('bench/results/policy.md'), report);
  process.stdout.write(`${table}\n\ntarget p50 < ${TARGET_P50_US} µs: ${verdict}\nwrote bench/results/policy.md\n`);
}

await main();
