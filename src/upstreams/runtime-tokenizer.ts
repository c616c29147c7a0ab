// The runtimes' own tokenizers over HTTP, found by probing once per origin: llama.cpp's server
// answers GET /props (and counts with /tokenize, renders with /apply-template); llama-cpp-python
// answers POST /extras/tokenize/count. Any other OpenAI-compatible server has neither.
import type { ChatMessage } from '../core';
import type { UpstreamClient } from './http';
import type { RuntimeTokenizer } from './types';

interface Props {
  default_generation_settings?: { n_ctx?: number };
}

/** Requests a count may run at once against one runtime. */
const PARALLEL = 8;

/** `f` over `items`, at most PARALLEL at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return out;
}

export interface ProbeOptions {
  /** The runtime's id of the model, sent where the runtime serves several. */
  model: string;
  timeoutMs: number;
}

function llamaServer(client: UpstreamClient, timeoutMs: number): RuntimeTokenizer {
  const tokenize = async (content: string, addSpecial: boolean): Promise<number> =>
    (await client.json<{ tokens: unknown[] }>('/tokenize', { body: { content, add_special: addSpecial, parse_special: true }, headersTimeout: timeoutMs }))
      .tokens.length;
  return {
    runtime: 'llama-server',
    // llama-server tokenizes on its HTTP threads, not in a slot: counting never waits for generation.
    blocking: false,
    countTexts: (texts) => mapLimited(texts, (t) => tokenize(t, false)),
    // The server's chat path tokenizes the templated prompt with add_special and parse_special on.
    countRendered: (prompt) => tokenize(prompt, true),
    async applyTemplate(messages: readonly ChatMessage[], tools: readonly unknown[] | undefined) {
      const body = tools && tools.length > 0 ? { messages, tools } : { messages };
      return (await client.json<{ prompt: string }>('/apply-template', { body, headersTimeout: timeoutMs })).prompt;
    },
    async contextLength() {
      return (await client.json<Props>('/props', { headersTimeout: timeoutMs })).default_generation_settings?.n_ctx;
    },
  };
}

function llamaCppPython(client: UpstreamClient, { model, timeoutMs }: ProbeOptions, bos: number): RuntimeTokenizer {
  // /extras/tokenize/count tokenizes with add_bos (llama_cpp.server.app): the BOS it adds, measured
  // on the empty text, is taken off. Its chat path renders BOS through the template instead.
  const count = async (input: string): Promise<number> =>
    (await client.json<{ count: number }>('/extras/tokenize/count', { body: { input, model }, headersTimeout: timeoutMs })).count - bos;
  return {
    runtime: 'llama-cpp-python',
    blocking: true,
    countTexts: (texts) => mapLimited(texts, count),
    countRendered: count,
  };
}

/** The runtime's tokenizer behind `client`, or undefined when it offers none. */
export async function probeRuntimeTokenizer(client: UpstreamClient, options: ProbeOptions): Promise<RuntimeTokenizer | undefined> {
  const props = await client.json<Props>('/props', { headersTimeout: options.timeoutMs }).catch(() => undefined);
  if (props?.default_generation_settings) return llamaServer(client, options.timeoutMs);
  const empty = await client
    .json<{ count?: unknown }>('/extras/tokenize/count', { body: { input: '', model: options.model }, headersTimeout: options.timeoutMs })
    .catch(() => undefined);
  if (typeof empty?.count === 'number') return llamaCppPython(client, options, empty.count);
  return undefined;
}
