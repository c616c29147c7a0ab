// The gateway's per-request series from finished exchanges: what each one is computed from, and
// that requests refused before admission and /metrics' own access rules are accounted for.
import { describe, expect, it } from 'vitest';
import type { ExchangeFinished } from '../../../src/core';
import { hashKey, KeyStore } from '../../../src/gateway';
import { metricsSink } from '../../../src/gateway/sinks';
import { Metrics } from '../../../src/metrics';
import { fromAddress, inProcessApp } from '../../helpers/app';
import { parseExposition, samples } from '../../helpers/prom-text';

const finished = (over: Partial<ExchangeFinished> = {}): ExchangeFinished => ({
  requestId: 'r1',
  route: 'chat',
  api: 'chat',
  startedAt: 1_000,
  endedAt: 3_000,
  firstTokenAt: 1_500,
  lastTokenAt: 2_400,
  queuedMs: 200,
  upstreamMs: 1_700,
  priority: 'interactive',
  principalId: 'alice',
  model: 'smol',
  modelVersion: '1',
  upstream: 'runner',
  upstreamModel: 'smol',
  stream: true,
  status: 200,
  answer: 'hello',
  toolCalls: [],
  usage: { prompt_tokens: 7, completion_tokens: 10, total_tokens: 17 },
  turns: 1,
  ...over,
});

/** A sample's value from the exposition, as Prometheus would read it (histograms by `_sum` / `_count`). */
async function value(m: Metrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const found = samples(parseExposition((await m.exposition()).body), name, labels);
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

describe('metricsSink', () => {
  it('derives latency, overhead, speed and queue wait from one streamed exchange', async () => {
    const m = new Metrics({ defaults: false });
    m.enablePrincipals();
    metricsSink(m).exchangeFinished(finished());
    expect(await value(m, 'aegis_requests_total', { route: 'chat', model: 'smol', status: '200' })).toBe(1);
    expect(await value(m, 'aegis_request_duration_seconds_sum', { model: 'smol' })).toBeCloseTo(2);
    expect(await value(m, 'aegis_time_to_first_token_seconds_sum', { model: 'smol' })).toBeCloseTo(0.5);
    // Nine gaps between ten tokens over 900 ms.
    expect(await value(m, 'aegis_inter_token_latency_seconds_sum', { model: 'smol' })).toBeCloseTo(0.1);
    // 2 s in total, 0.2 s waiting for the lease, 1.7 s in the upstream: 0.1 s was Aegis'.
    expect(await value(m, 'aegis_gateway_overhead_seconds_sum', { route: 'chat' })).toBeCloseTo(0.1);
    expect(await value(m, 'aegis_generation_tokens_per_second_sum', { model: 'smol' })).toBeCloseTo(10 / 1.7);
    expect(await value(m, 'aegis_scheduler_queue_wait_seconds_sum', { model: 'smol', priority: 'interactive' })).toBeCloseTo(0.2);
    expect(await value(m, 'aegis_tokens_total', { model: 'smol', kind: 'completion' })).toBe(10);
    expect(await value(m, 'aegis_principal_requests_total', { principal: 'alice', model: 'smol' })).toBe(1);
    expect(await value(m, 'aegis_principal_tokens_total', { principal: 'alice', kind: 'prompt' })).toBe(7);
  });

  it('counts failures by code, upstream failures by upstream, and disconnects apart', async () => {
    const m = new Metrics({ defaults: false });
    const sink = metricsSink(m);
    sink.exchangeFinished(finished({ status: 502, errorCode: 'upstream_unavailable', upstreamMs: undefined }));
    sink.exchangeFinished(finished({ status: 503, errorCode: 'queue_timeout', upstreamMs: undefined, queuedMs: undefined }));
    sink.exchangeFinished(finished({ status: 499, errorCode: 'client_closed_request' }));
    expect(await value(m, 'aegis_request_errors_total', { code: 'upstream_unavailable' })).toBe(1);
    expect(await value(m, 'aegis_request_errors_total', { code: 'queue_timeout' })).toBe(1);
    expect(await value(m, 'aegis_upstream_errors_total', { upstream: 'runner', code: 'upstream_unavailable' })).toBe(1);
    // The scheduler's refusal is not the runtime's fault.
    expect(await value(m, 'aegis_upstream_errors_total', { code: 'queue_timeout' })).toBeUndefined();
    expect(await value(m, 'aegis_client_disconnects_total', { model: 'smol' })).toBe(1);
    // No answer completed, so none measured Aegis' overhead; no principal series unless enabled.
    expect(await value(m, 'aegis_gateway_overhead_seconds_count', { route: 'chat' })).toBe(0);
    expect(m.registry.getSingleMetric('aegis_principal_requests_total')).toBeUndefined();
  });

  it('leaves inter-token latency out of answers with one token or several model calls', async () => {
    const m = new Metrics({ defaults: false });
    const sink = metricsSink(m);
    sink.exchangeFinished(finished({ usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    sink.exchangeFinished(finished({ turns: 2 }));
    sink.exchangeFinished(finished({ stream: false }));
    expect(await value(m, 'aegis_inter_token_latency_seconds_count', { model: 'smol' })).toBe(0);
    expect(await value(m, 'aegis_generation_tokens_per_second_count', { model: 'smol' })).toBe(3);
  });
});

describe('the gateway series in process', () => {
  it('counts an answered request with its in-flight gauge back to zero, and a refused one by code', async () => {
    const { app, deps } = inProcessApp();
    const post = (model: string) =>
      app.request(
        '/v1/chat/completions',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) },
        fromAddress('127.0.0.1'),
      );
    expect((await post('m')).status).toBe(200);
    expect((await post('nope')).status).toBe(404);
    expect(await value(deps.metrics, 'aegis_requests_total', { model: 'm', status: '200' })).toBe(1);
    expect(await value(deps.metrics, 'aegis_requests_in_flight', { model: 'm' })).toBe(0);
    expect(await value(deps.metrics, 'aegis_refused_requests_total', { route: 'chat', code: 'model_not_found' })).toBe(1);
  });
});

describe('/metrics with metrics.requireKey', () => {
  const keys = new KeyStore([
    { id: 'prom', name: 'prometheus', hash: hashKey('scrape-key'), roles: ['metrics'] },
    { id: 'user', name: 'user', hash: hashKey('user-key'), roles: ['user'] },
  ]);
  const get = (app: ReturnType<typeof inProcessApp>['app'], key?: string) =>
    app.request('/metrics', { headers: key ? { authorization: `Bearer ${key}` } : {} }, fromAddress('127.0.0.1'));

  it('answers a key with the metrics role and refuses others', async () => {
    const { app } = inProcessApp({ keys, options: { metricsRequireKey: true } });
    expect((await get(app)).status).toBe(401);
    expect((await get(app, 'user-key')).status).toBe(403);
    const ok = await get(app, 'scrape-key');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('aegis_requests_total');
  });

  it('stays open to the listener’s callers when not required', async () => {
    const { app } = inProcessApp({ keys });
    expect((await get(app)).status).toBe(200);
  });
});
