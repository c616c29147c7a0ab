// One request through the context step: budget, count, fit, verify. It stays synchronous (and
// cheap) when nothing has to be counted or cut: a prompt under the budget by its byte bound, or one
// whose texts were all counted before and that stays clear of the limit. Near the limit it counts
// what is missing, fits, and counts the whole prompt as the runtime builds it before trusting the
// sum of its parts.
import { GatewayError } from '../core';
import { promptBudget, type Budget } from './budget';
import type { PromptCounter } from './counter';
import { fitMessages, fitRemembered, type FitOptions, type Fitting } from './fit';
import type { ContextSettings } from './settings';
import type { ContextLimit, ContextReport, CountKind, Message, Strategy } from './types';
import type { WindowMemory } from './window';

export interface FitRequestInput {
  /** The model's key for remembered cuts (name@version). */
  model: string;
  messages: readonly Message[];
  tools?: readonly unknown[];
  /** `max_completion_tokens ?? max_tokens` of the request. */
  maxTokens?: number | null;
  /** Undefined while nobody knows the model's context length. */
  limit: ContextLimit | undefined;
  strategy: Strategy;
  settings: ContextSettings;
  counter: PromptCounter;
  windows: WindowMemory;
  /** Margin on top of the calibrated one: after the runtime refused a prompt Aegis thought fitted. */
  extraMargin?: number;
}

export interface Fitted {
  /** The messages to send: the request's own array when nothing was cut. */
  messages: readonly Message[];
  report: ContextReport;
  /** The original messages left out. */
  dropped: readonly Message[];
  /** Whether a remembered cut was reused as it was. */
  reusedCut: boolean;
}

/**
 * Within this fraction of the budget a sum of per-message counts is not trusted: the whole
 * prompt is counted as the runtime builds it (template joins, tool definitions).
 */
const VERIFY_BAND = 0.1;

function report(i: FitRequestInput, budget: Budget | undefined, tokens: number, counted: CountKind): ContextReport {
  return {
    tokens,
    limit: i.limit?.tokens ?? null,
    budget: budget?.prompt ?? null,
    reserved: budget?.reserved ?? 0,
    dropped: 0,
    shortened: 0,
    droppedTokens: 0,
    strategy: i.strategy,
    counted,
    limitSource: i.limit?.source ?? null,
  };
}

const unchanged = (i: FitRequestInput, r: ContextReport): Fitted => ({ messages: i.messages, report: r, dropped: [], reusedCut: false });

export function overflowError(r: ContextReport, reason: string): GatewayError {
  return new GatewayError(
    'context_length_exceeded',
    `This model's maximum context length is ${r.limit} tokens. However, your messages resulted in ${r.tokens} tokens and ${r.reserved} are reserved for the completion (a prompt may use ${r.budget}); ${reason}.`,
    { param: 'messages', details: { aegis_context: r } },
  );
}

function budgetOf(i: FitRequestInput, limit: ContextLimit): Budget {
  return promptBudget({ ...i.settings, limit: limit.tokens, maxTokens: i.maxTokens, margin: i.counter.calibration.margin() + (i.extraMargin ?? 0) });
}

/**
 * The answer without counting anything, when there is one: no limit known, every text counted
 * before and the total clear of the limit, or a byte bound under the budget. Undefined when the
 * prompt must be counted (fitCounted).
 */
export function fitQuick(i: FitRequestInput): Fitted | undefined {
  const { counter, messages, tools, limit } = i;
  if (!limit) return unchanged(i, report(i, undefined, counter.quick(messages, tools).estimate, 'estimate'));
  const budget = budgetOf(i, limit);
  const cached = counter.cached(messages, tools);
  if (cached) return cached.total <= budget.prompt * (1 - VERIFY_BAND) ? unchanged(i, report(i, budget, cached.total, cached.kind)) : undefined;
  const quick = counter.quick(messages, tools);
  return quick.bound <= budget.prompt ? unchanged(i, report(i, budget, quick.estimate, 'estimate')) : undefined;
}

/** fitQuick, else fitCounted. */
export function fitRequest(i: FitRequestInput): Fitted | Promise<Fitted> {
  return fitQuick(i) ?? fitCounted(i);
}

function fitted(i: FitRequestInput, fit: Fitting, base: ContextReport, before: number, tokens: number, changed: boolean): Fitted {
  if (fit.cut) i.windows.remember(i.model, i.messages, { ...fit.cut, strategy: i.strategy });
  const r = { ...base, tokens, dropped: fit.dropped.length, shortened: fit.shortened, droppedTokens: Math.max(0, before - tokens) };
  return { messages: changed ? fit.messages : i.messages, report: r, dropped: fit.dropped, reusedCut: fit.reused };
}

/** Counts what was not counted before, fits, and counts the whole prompt near the limit. */
export async function fitCounted(i: FitRequestInput): Promise<Fitted> {
  const { counter, messages, tools, strategy, settings, windows, limit } = i;
  if (!limit) return unchanged(i, report(i, undefined, counter.quick(messages, tools).estimate, 'estimate'));
  const budget = budgetOf(i, limit);
  const counts = counter.cached(messages, tools) ?? (await counter.count(messages, tools));
  const base = report(i, budget, counts.total, counts.kind);
  if (counts.total > budget.prompt && strategy === 'error') {
    // The sum of parts is not enough to refuse on: the whole prompt decides.
    const whole = await counter.whole(messages, tools);
    if (whole !== undefined && whole <= budget.prompt) return unchanged(i, { ...base, tokens: whole });
    throw overflowError({ ...base, tokens: whole ?? counts.total }, 'truncation is off for this request (strategy `error`)');
  }
  let prompt = budget.prompt;
  for (let attempt = 0; attempt < 3; attempt++) {
    const remembered = counts.total > prompt ? windows.recall(i.model, messages, strategy) : undefined;
    const options: FitOptions = {
      strategy,
      budget: prompt,
      fixed: counts.fixed,
      framing: counts.framing,
      lowWaterMark: settings.lowWaterMark,
      maxMessageShare: settings.maxMessageShare,
      remembered,
    };
    let fit = fitMessages(messages, counts.perMessage, options);
    let whole: number | undefined;
    if (remembered && !(fit.ok && fit.reused)) {
      // The sum of parts gave the remembered cut up; the whole prompt may still fit, and keeping the
      // cut is what keeps the runtime's KV cache.
      const kept = fitRemembered(messages, counts.perMessage, { ...options, remembered });
      const keptWhole = await counter.whole(kept.messages, tools);
      if (keptWhole !== undefined && keptWhole <= budget.prompt) [fit, whole] = [kept, keptWhole];
    }
    if (!fit.ok) throw overflowError(base, 'even with every earlier turn dropped and long messages shortened, the rest does not fit');
    const changed = fit.dropped.length > 0 || fit.shortened > 0;
    whole ??= changed || fit.tokens > prompt * (1 - VERIFY_BAND) ? await counter.whole(fit.messages, tools) : undefined;
    const tokens = whole ?? fit.tokens;
    if (tokens <= budget.prompt) return fitted(i, fit, base, counts.total, tokens, changed);
    // The parts undercounted the whole (template joins): tighten by the difference and fit again.
    prompt -= tokens - budget.prompt + 1;
  }
  throw overflowError(base, 'the prompt could not be fitted within the budget');
}
