// A runtime that refuses a prompt as too long teaches Aegis something: the context length it names
// (llama-cpp-python: "maximum context length is 2048 tokens"), or, when it names none (Ollama with
// truncate off), that Aegis' count came out short. Either way the request is fitted again and sent
// once more; a second refusal goes to the client.
import { contextLengthFromError } from '../../context';
import { GatewayError } from '../../core';
import type { ClientRequest } from '../exchange/front-door';
import { runPlan, type ContextState, type Fitting } from './fit-chat';

/** The margin added when the runtime refused a prompt whose length limit Aegis already used. */
const MISCOUNT_MARGIN = 0.1;

/** The request fitted again after `err`, or undefined when `err` is not a refusal Aegis can act on. */
export async function refitAfterRefusal<Req extends ClientRequest>(state: ContextState<Req> | undefined, err: unknown): Promise<Fitting<Req> | undefined> {
  if (!state || state.retried || !(err instanceof GatewayError) || err.code !== 'context_length_exceeded') return undefined;
  const { plan, report } = state;
  const named = contextLengthFromError(err.message);
  if (named !== undefined && named !== report.limit) plan.service.learned.set(plan.model.key, named);
  else if (report.limit === null) return undefined;
  const learnedSmaller = named !== undefined && report.limit !== null && named < report.limit;
  const fitting = await runPlan(plan, named === undefined || (!learnedSmaller && report.limit !== null) ? MISCOUNT_MARGIN : 0);
  if (fitting.context) fitting.context.retried = true;
  plan.service.logger.info(
    { model: plan.model.key, limit: fitting.context?.report.limit, named, tokens: fitting.context?.report.tokens },
    'context: the runtime refused the prompt; fitted again and retrying once',
  );
  return fitting;
}
