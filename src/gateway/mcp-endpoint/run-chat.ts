// A chat the MCP endpoint runs (tools `chat` and `consult`): a whole request through the same
// pipeline and front door as POST /v1/chat/completions — policy, context, scheduler, recording —
// with the scheduler's progress reported to the MCP client while it waits for the model.
import { timeOrderedUuid, type ChatCompletion, type ChatMessage, type ChatRequest, type Usage } from '../../core';
import type { Principal } from '../keys';
import { prepareExchange, serveExchange } from '../pipeline';
import { chatDoor } from '../routes/inference';
import type { DoorTarget } from '../routes/serve-door';

export interface ChatRun {
  requestId: string;
  /** `name@version` of the model that answered. */
  model: string;
  answer: string;
  finishReason: string | null;
  usage?: Usage;
}

export interface RunChatOptions {
  principal: Principal;
  request: { model: string; messages: ChatMessage[]; max_tokens?: number; temperature?: number };
  labels?: Readonly<Record<string, string>>;
  progress?: (message: string) => void;
  /** The MCP client cancelled or went away: the exchange's client is gone (not for async tasks). */
  signal?: AbortSignal;
}

export async function runChat({ deps, sinks }: DoorTarget, { principal, request, labels, progress, signal }: RunChatOptions): Promise<ChatRun> {
  const requestId = `req_${timeOrderedUuid()}`;
  const body = { ...request, stream: false } as ChatRequest;
  const prepared = prepareExchange({
    deps,
    sinks,
    snapshot: deps.snapshot(),
    door: chatDoor,
    request: body,
    requestId,
    startedAt: deps.clock.now(),
    principal,
    labels,
  });
  const x = prepared instanceof Promise ? await prepared : prepared;
  if (progress) x.onProgress(progress);
  if (signal) {
    if (signal.aborted) x.markClientGone();
    else signal.addEventListener('abort', () => x.markClientGone(), { once: true });
  }
  const answer = await serveExchange(x);
  if (answer.kind !== 'json') throw x.fail(new Error('A whole request produced a stream.'));
  x.finish(200);
  const completion = answer.body as ChatCompletion;
  const choice = completion.choices[0];
  const { entry } = x.target;
  return {
    requestId,
    model: `${entry.name}@${entry.version}`,
    answer: typeof choice?.message.content === 'string' ? choice.message.content : '',
    finishReason: choice?.finish_reason ?? null,
    usage: completion.usage ?? x.usage(),
  };
}
