// The gateway's own listeners on finished exchanges: request metrics (with the context and tool
// families), and the opt-in prompt log.
import type { ExchangeApi, ExchangeFinished, ExchangeRoute, ExchangeSink, ExchangeToolStats, Logger } from '../core';
import type { Metrics } from '../metrics';

/** The `route` label of a door's series: the agent doors are their own, operators watch each API's traffic. */
export const seriesRoute = ({ route, api }: { route: ExchangeRoute; api: ExchangeApi }): string => (api === 'chat' ? route : api);

/** Failures of the runtime itself, as opposed to Aegis' own refusals (queue_timeout, preempted, …). */
const isUpstreamFailure = (code: string): boolean => code.startsWith('upstream_') || code === 'model_load_failed' || code === 'context_length_exceeded';

export function metricsSink(m: Metrics): ExchangeSink {
  return {
    exchangeFinished(e: ExchangeFinished): void {
      const s = m.series.of(seriesRoute(e), e.model);
      s.inFlight.dec();
      s.requests(e.status).inc();
      const seconds = (e.endedAt - e.startedAt) / 1000;
      s.duration.observe(seconds);
      if (e.firstTokenAt !== undefined && e.stream) s.ttft.observe((e.firstTokenAt - e.startedAt) / 1000);
      const completion = e.usage?.completion_tokens ?? 0;
      if (e.usage) {
        s.promptTokens.inc(e.usage.prompt_tokens);
        s.completionTokens.inc(completion);
      }
      // One model call only: a tool loop's gap between calls is not a gap between tokens.
      if (e.stream && e.turns === 1 && completion > 1 && e.firstTokenAt !== undefined && e.lastTokenAt !== undefined) {
        s.interTokenLatency.observe((e.lastTokenAt - e.firstTokenAt) / 1000 / (completion - 1));
      }
      if (e.upstreamMs !== undefined && e.upstreamMs > 0) {
        if (completion > 0) s.tokensPerSecond.observe(completion / (e.upstreamMs / 1000));
        // Only answers that completed: a failure's time says nothing about Aegis' share.
        if (e.status === 200) s.overhead.observe(Math.max(0, seconds - e.upstreamMs / 1000 - (e.queuedMs ?? 0) / 1000));
      }
      if (e.queuedMs !== undefined && e.priority !== undefined) s.queueWait(e.priority).observe(e.queuedMs / 1000);
      if (e.status === 499) s.disconnects.inc();
      else if (e.errorCode) {
        s.errors(e.errorCode).inc();
        if (isUpstreamFailure(e.errorCode)) m.upstreamErrors.inc({ upstream: e.upstream, code: e.errorCode });
      }
      if (m.principalRequests) {
        m.principalRequests.inc({ principal: e.principalId, model: e.model });
        if (e.usage) {
          m.principalTokens?.inc({ principal: e.principalId, kind: 'prompt' }, e.usage.prompt_tokens);
          m.principalTokens?.inc({ principal: e.principalId, kind: 'completion' }, completion);
        }
      }
      if (e.tools) toolMetrics(m, e.model, e.tools);
      const c = e.context;
      if (c && (c.dropped > 0 || c.shortened > 0)) {
        m.contextTruncations.inc({ model: e.model, strategy: c.strategy });
        m.contextDroppedTokens.inc({ model: e.model }, c.droppedTokens);
        m.contextDroppedMessages.inc({ model: e.model }, c.dropped);
        if (c.dropped > 0) m.contextCuts.inc({ model: e.model, kind: c.reusedCut ? 'reused' : 'new' });
      }
      // Refusals by Aegis itself happen before admission and are counted by the context step.
      if (e.errorCode === 'context_length_exceeded') m.contextRefusals.inc({ model: e.model });
    },
  };
}

function toolMetrics(m: Metrics, model: string, t: ExchangeToolStats): void {
  if (t.calls) m.toolCalls.inc({ model, mode: t.mode }, t.calls);
  if (t.parseFailures) m.toolParseFailures.inc({ model, mode: t.mode }, t.parseFailures);
  if (t.repairs) m.toolRepairs.inc({ model, kind: 'parse' }, t.repairs);
  if (t.retry) {
    m.toolRetries.inc({ model, result: t.retry });
    if (t.retry === 'repaired') m.toolRepairs.inc({ model, kind: 'retry' });
  }
}

/** Prompt and answer text in the log, only when `logging.prompts` is on (read per exchange). */
export function promptLogSink(logger: Logger, enabled: () => boolean): ExchangeSink {
  return {
    exchangeFinished(e: ExchangeFinished): void {
      if (!enabled()) return;
      // The text goes through the same redacting logger as everything else.
      logger.info({ requestId: e.requestId, model: e.model, status: e.status, messages: e.messages, prompt: e.prompt, answer: e.answer }, 'exchange text');
    },
  };
}
