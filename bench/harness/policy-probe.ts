// Policy evaluation time per request, in process: the gateway's own RequestPolicy (input build,
// OPA-wasm decision, obligations applied, usage facts counted) over the shipped bundle with the
// full-pipeline config's policy data, for the benchmark's chat request. The end-to-end cost inside
// the gateway shows up as the difference between targets (b) and (c).
import { parseConfig } from '../../src/config';
import { Samples, summarize, type Percentiles } from './stats';
import { BENCH_ROLE, fullPipelineConfig } from './targets';
import { chatBody } from './workload';

export interface PolicyProbeResult {
  what: string;
  iterations: number;
  micros?: Percentiles;
  allowed?: boolean;
  error?: string;
}

export async function probePolicy(repoRoot: string, iterations = 20_000): Promise<PolicyProbeResult> {
  const what = `RequestPolicy.check (src/gateway/policy-adapter.ts: buildPolicyInput + WasmPolicyEngine.decide + obligations), shipped bundle, role ${BENCH_ROLE}`;
  try {
    const { startPolicyEngine } = await import('../../src/policy');
    const { opaRequestPolicy } = await import('../../src/gateway/policy-adapter');
    const { UsageMeter } = await import('../../src/gateway/usage-meter');
    const { configEntry } = await import('../../src/registry');
    const { systemClock } = await import('../../src/core');
    const config = parseConfig(JSON.stringify(fullPipelineConfig('http://127.0.0.1:9')), {}, 'bench config');
    const section = (config.policy ?? {}) as Parameters<typeof startPolicyEngine>[0] & { enabled?: boolean };
    if (section.enabled === false) return { what, iterations: 0, error: 'policy disabled in fullPipelineConfig' };
    const { enabled: _enabled, ...policyConfig } = section;
    const running = await startPolicyEngine({ ...policyConfig, watch: false }, { baseDir: repoRoot });
    const policy = opaRequestPolicy(running.engine, systemClock, new UsageMeter(systemClock), () => undefined);
    const model = configEntry(config.models[0]!);
    const request = JSON.parse(chatBody(false)) as Record<string, unknown>;
    const principal = { id: 'bench', name: 'bench load', roles: [BENCH_ROLE] };
    let allowed = true;
    const check = () => {
      try {
        policy.check({ principal, route: 'chat', model, request, requestId: 'bench' });
      } catch {
        allowed = false;
      }
    };
    for (let i = 0; i < 2_000; i++) check();
    const samples = new Samples();
    for (let i = 0; i < iterations; i++) {
      const t = process.hrtime.bigint();
      check();
      samples.add(Number(process.hrtime.bigint() - t) / 1_000);
    }
    await running.close();
    return { what, iterations, micros: summarize(samples.sorted()), allowed };
  } catch (err) {
    return { what, iterations: 0, error: (err as Error).message.split('\n')[0] };
  }
}
