// Rows of the gateway's own traffic: requests, latency, tokens.
import { metricNames as m } from '../../src/metrics';
import { increase, quantile, rate, sum } from './promql';
import { quantiles, t, type RowSpec } from './spec';

export const gatewayRows: RowSpec[] = [
  {
    title: 'Traffic',
    panels: [
      { title: 'Requests per second', description: 'Admitted requests by model.', unit: 'reqps', targets: [t(rate(m.requests, ['model']), '{{model}}')] },
      {
        title: 'Responses by status',
        description: 'HTTP status of admitted requests (499: the client went away).',
        unit: 'reqps',
        stack: true,
        targets: [t(rate(m.requests, ['status']), '{{status}}')],
      },
      { title: 'In flight', description: 'Requests being served now.', unit: 'short', targets: [t(sum(m.requestsInFlight, ['model']), '{{model}}')] },
      {
        title: 'Refused before admission',
        description: 'Invalid bodies, unknown models, policy denials and spent quotas, by error code.',
        unit: 'reqps',
        targets: [t(rate(m.refusedRequests, ['route', 'code']), '{{route}} {{code}}')],
      },
      {
        title: 'Client disconnects',
        description: 'Requests the client abandoned.',
        unit: 'reqps',
        targets: [t(rate(m.clientDisconnects, ['model']), '{{model}}')],
      },
      {
        title: 'Requests by principal',
        description: 'Per key id; only with metrics.principals: true.',
        unit: 'reqps',
        targets: [t(rate(m.principalRequests, ['principal']), '{{principal}}')],
      },
    ],
  },
  {
    title: 'Latency',
    panels: [
      { title: 'Request duration', description: 'Request to the end of the response body.', unit: 's', targets: quantiles(m.requestDuration) },
      { title: 'Time to first token', description: 'Streamed requests: request to the first token.', unit: 's', targets: quantiles(m.timeToFirstToken) },
      {
        title: 'Inter-token latency',
        description: 'Mean gap between streamed tokens of a response.',
        unit: 's',
        targets: quantiles(m.interTokenLatency, [], [0.5, 0.95]),
      },
      {
        title: 'Gateway overhead',
        description: "Aegis' own share of a request: its duration minus the lease wait and the upstream's time.",
        unit: 's',
        targets: quantiles(m.gatewayOverhead, ['route'], [0.5, 0.99]),
      },
      { title: 'Request duration p95 by model', description: '', unit: 's', targets: [t(quantile(0.95, m.requestDuration, ['model']), '{{model}}')] },
      { title: 'TTFT p95 by model', description: '', unit: 's', targets: [t(quantile(0.95, m.timeToFirstToken, ['model']), '{{model}}')] },
    ],
  },
  {
    title: 'Tokens',
    panels: [
      {
        title: 'Tokens per second',
        description: 'Prompt and completion tokens processed.',
        unit: 'short',
        targets: [t(rate(m.tokens, ['model', 'kind']), '{{model}} {{kind}}')],
      },
      {
        title: 'Generation speed',
        description: "Completion tokens per second of the upstream's time, per response (median).",
        unit: 'short',
        targets: [t(quantile(0.5, m.tokensPerSecond, ['model']), '{{model}}')],
      },
      {
        title: 'Tokens in range',
        description: 'Over the selected time range.',
        unit: 'short',
        kind: 'stat',
        targets: [t(increase(m.tokens, ['kind']), '{{kind}}')],
      },
      {
        title: 'Tokens by principal',
        description: 'Per key id; only with metrics.principals: true.',
        unit: 'short',
        targets: [t(rate(m.principalTokens, ['principal', 'kind']), '{{principal}} {{kind}}')],
      },
    ],
  },
];
