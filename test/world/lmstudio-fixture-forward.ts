// Relays one OpenAI-compatible request to the llama-cpp-python process of a loaded instance:
// SSE bodies pass through unchanged, JSON bodies get LM Studio's model key and error envelope.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { request, type Dispatcher } from 'undici';
import type { ModelInstance } from './lmstudio-fixture-instances';

export interface ForwardOptions {
  dispatcher: Dispatcher;
  instance: ModelInstance;
  /** `/v1/chat/completions`, `/v1/completions` or `/v1/embeddings`. */
  path: string;
  body: Record<string, unknown>;
  res: ServerResponse;
}

export function errorBody(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

function mean(vectors: number[][]): number[] {
  const sum = new Array<number>(vectors[0]?.length ?? 0).fill(0);
  for (const vector of vectors)
    vector.forEach((value, i) => {
      sum[i] = (sum[i] ?? 0) + value;
    });
  return sum.map((value) => value / Math.max(1, vectors.length));
}

// llama-cpp-python returns one vector per token for models without a pooling layer (every causal
// LLM); LM Studio, like OpenAI, returns one vector per input, so token vectors are mean-pooled.
function poolEmbeddings(json: Record<string, unknown>): void {
  if (!Array.isArray(json.data)) return;
  for (const item of json.data as Array<{ embedding?: unknown }>) {
    const embedding = item.embedding;
    if (Array.isArray(embedding) && Array.isArray(embedding[0])) item.embedding = mean(embedding as number[][]);
  }
}

// llama-cpp-python answers validation failures with FastAPI's 422 `{detail}`; LM Studio says 400.
function asOpenAiError(status: number, json: unknown): { status: number; json: unknown } {
  if (status < 400 || (typeof json === 'object' && json !== null && 'error' in json)) return { status, json };
  const message = typeof json === 'string' ? json : JSON.stringify(json);
  return { status: status === 422 ? 400 : status, json: errorBody(message, status >= 500 ? 'server_error' : 'invalid_request_error', null) };
}

async function relayStream(body: AsyncIterable<Buffer>, res: ServerResponse): Promise<void> {
  try {
    for await (const chunk of body) {
      if (!res.write(chunk)) await once(res, 'drain');
    }
  } catch (error) {
    // A stream that breaks after it started ends with an error event and [DONE], never a bare close.
    if (res.destroyed) return;
    const message = error instanceof Error ? error.message : String(error);
    res.write(`data: ${JSON.stringify(errorBody(message, 'server_error', 'upstream_error'))}\n\ndata: [DONE]\n\n`);
  }
  res.end();
}

async function postJson(dispatcher: Dispatcher, url: string, body: unknown, signal: AbortSignal) {
  return request(url, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

async function readJsonBody(upstream: Dispatcher.ResponseData): Promise<unknown> {
  const text = await upstream.body.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// llama-cpp-python fails a multi-input embedding batch on causal models ("llama_decode returned -1")
// while LM Studio accepts one, so each input goes up on its own and the answers are merged.
async function embedEach(url: string, body: Record<string, unknown>, inputs: string[], dispatcher: Dispatcher, signal: AbortSignal) {
  const data: unknown[] = [];
  const usage = { prompt_tokens: 0, total_tokens: 0 };
  for (const [index, input] of inputs.entries()) {
    const upstream = await postJson(dispatcher, url, { ...body, input }, signal);
    const json = await readJsonBody(upstream);
    if (upstream.statusCode >= 400) return { status: upstream.statusCode, json };
    const one = json as { data?: Array<Record<string, unknown>>; usage?: typeof usage };
    data.push(...(one.data ?? []).map((item) => ({ ...item, index })));
    usage.prompt_tokens += one.usage?.prompt_tokens ?? 0;
    usage.total_tokens += one.usage?.total_tokens ?? 0;
  }
  return { status: 200, json: { object: 'list', data, model: body.model, usage } };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 1 && value.every((item) => typeof item === 'string');
}

export async function forwardOpenAiRequest({ dispatcher, instance, path, body, res }: ForwardOptions): Promise<void> {
  // `ttl` is LM Studio's own field; the process only knows the model by the alias it was given.
  const { ttl: _ttl, ...rest } = body;
  const upstreamBody: Record<string, unknown> = { ...rest, model: instance.key };
  const url = `${instance.server.url}${path}`;
  const aborter = new AbortController();
  const abortOnClientGone = () => {
    if (!res.writableFinished) aborter.abort();
  };
  res.once('close', abortOnClientGone);
  try {
    let answer: { status: number; json: unknown };
    const { input } = upstreamBody;
    if (path.endsWith('/embeddings') && isStringList(input)) {
      answer = await embedEach(url, upstreamBody, input, dispatcher, aborter.signal);
    } else {
      const upstream = await postJson(dispatcher, url, upstreamBody, aborter.signal);
      if (String(upstream.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.writeHead(upstream.statusCode, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        await relayStream(upstream.body, res);
        return;
      }
      answer = { status: upstream.statusCode, json: await readJsonBody(upstream) };
    }
    const { json } = answer;
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
      const record = json as Record<string, unknown>;
      if ('model' in record) record.model = instance.key;
      if (path.endsWith('/embeddings')) poolEmbeddings(record);
    }
    const rendered = asOpenAiError(answer.status, json);
    res.writeHead(rendered.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(rendered.json));
  } catch (error) {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify(errorBody(`Model "${instance.id}" failed to answer: ${message}`, 'server_error', 'upstream_error')));
  } finally {
    res.off('close', abortOnClientGone);
  }
}
