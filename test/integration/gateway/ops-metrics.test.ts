// After a scripted workload through the real test world (llama-cpp-python, MCP server-everything, a
// managed runtime, a dead upstream, a scripted tool model), every metric family the workload
// exercised has non-zero values under the right labels, read from /metrics as Prometheus scrapes
// it (with its own key).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsGateway, runWorkload, type OpsGateway, type WorkloadReport } from '../../helpers/ops-workload';
import { samples, type ExposedSample } from '../../helpers/prom-text';
import { world } from '../../world/use-world';

const [llamacpp, mcpservers] = await Promise.all([world('llamacpp'), world('mcpservers')]);
const MiB = 2 ** 20;

describe.skipIf(!llamacpp || !mcpservers)('metrics after a workload', () => {
  let gw: OpsGateway;
  let report: WorkloadReport;
  let all: ExposedSample[];
  /** The one sample of `name` with these labels (fails when there is none or several). */
  const one = (name: string, labels: Record<string, string> = {}) => {
    const found = samples(all, name, labels);
    expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
    return found[0]!.value;
  };

  beforeAll(async () => {
    gw = await startOpsGateway({ llamacpp: llamacpp!.url, mcpEverything: mcpservers!.everything });
    report = await runWorkload(gw);
    all = await gw.scrape();
  }, 240_000);

  afterAll(async () => {
    await gw?.close();
  });

  it('refuses /metrics without the scrape key', async () => {
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
  });

  it('counts traffic by route, model and status, with nothing left in flight', () => {
    expect(one('aegis_requests_total', { route: 'chat', model: 'smol', status: '200' })).toBeGreaterThanOrEqual(4);
    expect(one('aegis_requests_total', { route: 'embeddings', model: 'smol', status: '200' })).toBe(1);
    expect(one('aegis_requests_total', { route: 'chat', model: 'ghost', status: '502' })).toBe(1);
    expect(one('aegis_requests_in_flight', { model: 'smol' })).toBe(0);
    expect(one('aegis_requests_total', { route: 'chat', model: 'fake', status: '499' })).toBe(1);
    expect(one('aegis_client_disconnects_total', { model: 'fake' })).toBe(1);
    expect(one('aegis_refused_requests_total', { route: 'chat', code: 'model_not_found' })).toBe(1);
    expect(one('aegis_auth_failures_total', { reason: 'invalid_api_key' })).toBeGreaterThanOrEqual(1);
    expect(one('aegis_principal_requests_total', { principal: 'ops', model: 'smol' })).toBeGreaterThanOrEqual(4);
  });

  it('measures latency: duration, first token, gaps between tokens, and Aegis’ own share', () => {
    expect(one('aegis_request_duration_seconds_count', { route: 'chat', model: 'smol' })).toBeGreaterThanOrEqual(4);
    expect(one('aegis_request_duration_seconds_sum', { route: 'chat', model: 'smol' })).toBeGreaterThan(0);
    expect(one('aegis_time_to_first_token_seconds_count', { model: 'smol' })).toBeGreaterThanOrEqual(2);
    expect(one('aegis_inter_token_latency_seconds_count', { model: 'smol' })).toBeGreaterThanOrEqual(2);
    expect(one('aegis_inter_token_latency_seconds_sum', { model: 'smol' })).toBeGreaterThan(0);
    const overhead = one('aegis_gateway_overhead_seconds_sum', { route: 'chat' });
    const total = one('aegis_request_duration_seconds_sum', { route: 'chat', model: 'smol' });
    expect(one('aegis_gateway_overhead_seconds_count', { route: 'chat' })).toBeGreaterThanOrEqual(4);
    expect(overhead).toBeGreaterThan(0);
    expect(overhead).toBeLessThan(total);
  });

  it('counts tokens and the generation speed per model', () => {
    expect(one('aegis_tokens_total', { model: 'smol', kind: 'prompt' })).toBeGreaterThan(0);
    expect(one('aegis_tokens_total', { model: 'smol', kind: 'completion' })).toBeGreaterThan(0);
    expect(one('aegis_generation_tokens_per_second_count', { model: 'smol' })).toBeGreaterThanOrEqual(4);
    expect(one('aegis_generation_tokens_per_second_sum', { model: 'smol' })).toBeGreaterThan(0);
    expect(one('aegis_principal_tokens_total', { principal: 'ops', kind: 'completion' })).toBeGreaterThan(0);
  });

  it('reports the scheduler: memory, states, loads, evictions by reason, preemption, queue wait, rejections', () => {
    expect(one('aegis_scheduler_memory_limit_bytes', { resource: 'ram' })).toBe(450 * MiB);
    // smol-b, and ghost (its upstream is down, but nothing unloads it).
    expect(one('aegis_scheduler_memory_used_bytes', { resource: 'ram' })).toBe(310 * MiB);
    expect(one('aegis_scheduler_model_loaded', { model: 'smol-b', upstream: 'llama2' })).toBe(1);
    expect(one('aegis_scheduler_model_state', { model: 'smol-b', state: 'ready' })).toBe(1);
    expect(one('aegis_scheduler_model_state', { model: 'smol', state: 'unloaded' })).toBe(1);
    expect(one('aegis_scheduler_model_memory_bytes', { model: 'smol-b', upstream: 'llama2', resource: 'ram' })).toBe(300 * MiB);
    expect(one('aegis_scheduler_loads_total', { model: 'smol', upstream: 'llama' })).toBeGreaterThanOrEqual(2);
    expect(one('aegis_scheduler_queued_requests', { model: 'smol', upstream: 'llama' })).toBe(0);
    expect(one('aegis_scheduler_load_duration_seconds_count', { model: 'fake', upstream: 'runner', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(one('aegis_scheduler_load_duration_seconds_sum', { model: 'fake', upstream: 'runner', outcome: 'ok' })).toBeGreaterThan(0);
    expect(one('aegis_scheduler_evictions_total', { model: 'smol', upstream: 'llama', reason: 'budget' })).toBeGreaterThanOrEqual(1);
    expect(one('aegis_scheduler_evictions_total', { model: 'fake', upstream: 'runner', reason: 'manual' })).toBe(1);
    expect(report.preempted).toBe(true);
    expect(one('aegis_scheduler_evictions_total', { model: 'smol', upstream: 'llama', reason: 'preemption' })).toBe(1);
    expect(one('aegis_scheduler_preempted_requests_total', { model: 'smol', upstream: 'llama', priority: 'batch' })).toBe(1);
    expect(one('aegis_scheduler_queue_wait_seconds_count', { model: 'smol', priority: 'batch' })).toBeGreaterThanOrEqual(4);
    expect(one('aegis_scheduler_queue_wait_seconds_count', { model: 'smol-b', priority: 'critical' })).toBe(2);
    // The critical request waited out the grace period and the preemption.
    expect(one('aegis_scheduler_queue_wait_seconds_sum', { model: 'smol-b', priority: 'critical' })).toBeGreaterThanOrEqual(0.1);
    expect(one('aegis_scheduler_rejections_total', { model: 'huge', upstream: 'llama', reason: 'insufficient_resources' })).toBe(1);
  });

  it('reports policy decisions and how long they took', () => {
    expect(one('aegis_policy_decisions_total', { result: 'allow' })).toBeGreaterThanOrEqual(8);
    expect(one('aegis_policy_evaluation_seconds_count')).toBe(
      one('aegis_policy_decisions_total', { result: 'allow' }) + one('aegis_policy_decisions_total', { result: 'deny' }),
    );
    expect(one('aegis_policy_evaluation_seconds_sum')).toBeGreaterThan(0);
    expect(one('aegis_policy_evaluation_errors_total')).toBe(0);
  });

  it('reports context fitting: cut conversations, what was dropped, new and reused cuts, a refusal', () => {
    expect(one('aegis_context_truncations_total', { model: 'smol-ctx', strategy: 'drop-oldest' })).toBe(2);
    expect(one('aegis_context_dropped_messages_total', { model: 'smol-ctx' })).toBeGreaterThanOrEqual(2);
    // Eight turns of some 80 tokens each against a 512-token window.
    expect(one('aegis_context_dropped_tokens_total', { model: 'smol-ctx' })).toBeGreaterThan(500);
    expect(one('aegis_context_cuts_total', { model: 'smol-ctx', kind: 'new' })).toBe(1);
    expect(one('aegis_context_cuts_total', { model: 'smol-ctx', kind: 'reused' })).toBe(1);
    expect(one('aegis_context_refusals_total', { model: 'smol-ctx' })).toBe(1);
    expect(one('aegis_refused_requests_total', { route: 'chat', code: 'context_length_exceeded' })).toBe(1);
  });

  it('reports tool calls by mode, parse failures, repairs by kind and constrained retries', () => {
    // The retried call, the coerced one; the real model's native call to the MCP tool.
    expect(one('aegis_tool_calls_total', { model: 'toolbot', mode: 'emulated' })).toBe(2);
    expect(one('aegis_tool_calls_total', { model: 'smol-tools', mode: 'native' })).toBeGreaterThanOrEqual(1);
    expect(one('aegis_tool_call_parse_failures_total', { model: 'toolbot', mode: 'emulated' })).toBe(1);
    expect(one('aegis_tool_call_retries_total', { model: 'toolbot', result: 'repaired' })).toBe(1);
    expect(one('aegis_tool_call_repairs_total', { model: 'toolbot', kind: 'retry' })).toBe(1);
    expect(one('aegis_tool_call_repairs_total', { model: 'toolbot', kind: 'parse' })).toBe(1);
  });

  it('reports MCP calls with their duration, and each server’s session, tools and failures', () => {
    expect(one('aegis_mcp_tool_calls_total', { server: 'everything', tool: 'get-sum', outcome: 'ok' })).toBe(1);
    expect(one('aegis_mcp_tool_call_duration_seconds_count', { server: 'everything', tool: 'get-sum' })).toBe(1);
    expect(one('aegis_mcp_tool_call_duration_seconds_sum', { server: 'everything', tool: 'get-sum' })).toBeGreaterThan(0);
    expect(one('aegis_mcp_server_up', { server: 'everything' })).toBe(1);
    expect(one('aegis_mcp_server_tools', { server: 'everything' })).toBeGreaterThan(1);
    expect(one('aegis_mcp_server_connects_total', { server: 'everything' })).toBe(1);
    expect(one('aegis_mcp_server_failures_total', { server: 'everything' })).toBe(0);
    expect(one('aegis_mcp_server_up', { server: 'broken' })).toBe(0);
    expect(one('aegis_mcp_server_connects_total', { server: 'broken' })).toBe(0);
    expect(one('aegis_mcp_server_failures_total', { server: 'broken' })).toBe(1);
  });

  it('reports recording into the embedded store: records, its size against the cap, an empty spool', () => {
    expect(one('aegis_rag_records_total', { kind: 'exchange', outcome: 'enqueued' })).toBeGreaterThanOrEqual(8);
    expect(one('aegis_rag_store_up')).toBe(1);
    expect(one('aegis_rag_store_disk_full')).toBe(0);
    expect(one('aegis_rag_store_bytes')).toBeGreaterThan(0);
    expect(one('aegis_rag_store_max_bytes')).toBe(64 * MiB);
    // The store took every record: nothing waits on disk.
    expect(one('aegis_rag_spool_bytes')).toBe(0);
    expect(one('aegis_rag_spool_oldest_age_seconds')).toBe(0);
    expect(one('aegis_rag_dropped_total', { kind: 'exchange', reason: 'spool_full' })).toBe(0);
  });

  it('reports upstream health, upstream errors by kind, and the managed runtime’s restart', () => {
    expect(one('aegis_upstream_up', { upstream: 'llama' })).toBe(1);
    expect(one('aegis_upstream_up', { upstream: 'dead' })).toBe(0);
    expect(one('aegis_upstream_errors_total', { upstream: 'dead', code: 'upstream_unavailable' })).toBe(1);
    expect(one('aegis_request_errors_total', { route: 'chat', model: 'ghost', code: 'upstream_unavailable' })).toBe(1);
    expect(report.restartedPid).toBeGreaterThan(0);
    expect(one('aegis_managed_runner_restarts_total', { upstream: 'runner', model: 'fake' })).toBe(1);
    // Unloaded at the end of the workload.
    expect(one('aegis_managed_runner_up', { upstream: 'runner', model: 'fake' })).toBe(0);
    expect(one('aegis_process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});
