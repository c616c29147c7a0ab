// Stage 5 as the gateway runs it: the strategy for this request, the model's counter and context
// length, and src/context's fit applied to the door's conversation. Synchronous when nothing needs
// counting; a promise when it does, or on a model's first request while its tokenizer loads.
import {
  chooseStrategy,
  contextConfigSchema,
  fitCounted,
  fitQuick,
  settingsFor,
  type ContextConfig,
  type ContextReport,
  type ContextSettings,
  type Fitted,
  type FitRequestInput,
  type PromptCounter,
  type Strategy,
} from '../../context';
import { GatewayError, type ChatMessage } from '../../core';
import type { Authorization } from '../deps';
import type { ExchangeStart, Target } from '../exchange/exchange';
import type { ClientRequest, Conversation } from '../exchange/front-door';
import type { ContextService, ModelContext } from './service';

/** The `context` section's defaults, for gateways built without one (tests, embedders). */
export const defaultContextConfig: ContextConfig = contextConfigSchema.parse({});

/** What fitting needs to run again after a refusal. */
export interface ContextPlan<Req extends ClientRequest = ClientRequest> {
  service: ContextService;
  model: ModelContext;
  conversation: Conversation<Req>;
  /** The request before fitting (obligations applied). */
  request: Req;
  strategy: Strategy;
  settings: ContextSettings;
}

/** What the context step did to an exchange, kept on it for headers, usage, records and calibration. */
export interface ContextState<Req extends ClientRequest = ClientRequest> {
  report: ContextReport;
  dropped: readonly ChatMessage[];
  reusedCut: boolean;
  plan: ContextPlan<Req>;
  /** True once the request was fitted again after the runtime refused it. */
  retried: boolean;
}

export interface Fitting<Req extends ClientRequest> {
  request: Req;
  context?: ContextState<Req>;
}

function toFitting<Req extends ClientRequest>(plan: ContextPlan<Req>, f: Fitted): Fitting<Req> {
  const request = f.messages === plan.conversation.messages(plan.request) ? plan.request : plan.conversation.withMessages(plan.request, [...f.messages]);
  return { request, context: { report: f.report, dropped: f.dropped, reusedCut: f.reusedCut, plan, retried: false } };
}

/**
 * Fits the plan's request; `extraMargin` widens the margin after a refusal. Synchronous when no
 * count is needed; otherwise the model's own counter is resolved (once) and the prompt counted.
 */
export function runPlan<Req extends ClientRequest>(plan: ContextPlan<Req>, extraMargin = 0): Fitting<Req> | Promise<Fitting<Req>> {
  const { conversation, request, model } = plan;
  const input = (counter: PromptCounter): FitRequestInput => ({
    model: model.key,
    messages: conversation.messages(request),
    tools: conversation.tools(request),
    maxTokens: conversation.maxTokens(request),
    limit: model.limit(),
    strategy: plan.strategy,
    settings: plan.settings,
    counter,
    windows: plan.service.windows,
    extraMargin,
  });
  const quick = fitQuick(input(model.counter));
  if (quick) return toFitting(plan, quick);
  return model.counterReady().then((counter) => fitCounted(input(counter)).then((f) => toFitting(plan, f)));
}

export function fitChat<Req extends ClientRequest, W, C>(
  start: ExchangeStart<Req, W, C>,
  target: Target,
  authorization: Authorization<Req> | undefined,
  request: Req,
): Fitting<Req> | Promise<Fitting<Req>> {
  const { conversation } = start.door;
  const service = start.deps.context;
  if (!conversation || !service) return { request };
  const settings = settingsFor(start.snapshot.options.context ?? defaultContextConfig, target.entry.context);
  const { strategy } = chooseStrategy({ requested: start.truncate, configured: settings.strategy, allowed: authorization?.truncation });
  const model = service.model(target, settings.counting);
  const plan: ContextPlan<Req> = { service, model, conversation, request, strategy, settings };
  const refused = (err: unknown): never => {
    if (err instanceof GatewayError && err.code === 'context_length_exceeded') start.deps.metrics.contextRefusals.inc({ model: target.entry.name });
    throw err;
  };
  try {
    const fitting = runPlan(plan);
    return fitting instanceof Promise ? fitting.catch(refused) : fitting;
  } catch (err) {
    return refused(err);
  }
}
