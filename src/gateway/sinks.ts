// The gateway's own listeners on finished exchanges: request metrics, and the opt-in prompt log.
import type { ExchangeFinished, ExchangeSink, ExchangeToolStats, Logger } from '../core';
import type { Metrics } from '../metrics';

export function metricsSink(m: Metrics): ExchangeSink {
  return {
    exchangeFinished(e: ExchangeFinished): void {
      m.inFlight.dec({ model: e.model });
      // The agent doors are their own `route` values here: operators watch each API's traffic.
      const route = e.api === 'chat' ? e.route : e.api;
      m.requests.inc({ route, model: e.model, status: String(e.status) });
      m.duration.observe({ route, model: e.model }, (e.endedAt - e.startedAt) / 1000);
      if (e.firstTokenAt !== undefined && e.stream) m.ttft.observe({ model: e.model }, (e.firstTokenAt - e.startedAt) / 1000);
      if (e.usage) {
        m.tokens.inc({ model: e.model, kind: 'prompt' }, e.usage.prompt_tokens);
        m.tokens.inc({ model: e.model, kind: 'completion' }, e.usage.completion_tokens);
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
      if (e.status === 499) m.disconnects.inc({ model: e.model });
      else if (e.status >= 500 && e.errorCode) m.upstreamErrors.inc({ upstream: e.upstream, code: e.errorCode });
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
