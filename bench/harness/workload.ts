// The requests every target receives: one chat request with a prompt of a realistic size (about
// 250 tokens, so context counting and policy content scans have something to read), whole or
// streamed; and the same request as Aegis' other front doors take it (issue 22): the Responses API
// at /v1/responses and Anthropic Messages at /v1/messages, translated onto the same chat pipeline.
import { BENCH_MODEL, FIT_MODEL, TOOLS_MODEL } from './targets';

const SYSTEM = 'You are a concise reviewer.';
const PROMPT = [
  'You are reviewing a pull request for a self-hosted gateway that proxies OpenAI-compatible',
  'requests to local runtimes. Summarise the change below in two sentences, then list any risk',
  'you see for latency, memory use under many concurrent streams, or correctness of error',
  'handling when the upstream closes the connection early. The change replaces a per-request',
  'JSON re-serialisation with a streaming transform that rewrites the model field of each SSE',
  'chunk, adds a bounded queue in front of the scheduler lease, and records each exchange to a',
  'local spool file that a background task later ships to MongoDB for retrieval. Tests cover',
  'client aborts, upstream deaths mid-stream and a slow spool disk. Keep the answer short.',
].join(' ');
const MAX_TOKENS = 64;

/** The short system-and-user request to `model`; `extra` fields (tools) go before max_tokens. */
function promptBody(model: string, stream: boolean, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: PROMPT },
    ],
    ...extra,
    max_tokens: MAX_TOKENS,
    stream,
  });
}

export function chatBody(stream: boolean): string {
  return promptBody(BENCH_MODEL, stream);
}

/**
 * The API a request is sent through. `responses` sends `store: false` (as Codex does), so the row
 * measures translation alone; `responses-store` leaves `store` at OpenAI's default (true), which
 * adds keeping every response in Aegis' record store before a whole answer is sent.
 */
export type Door = 'chat' | 'responses' | 'messages' | 'responses-store';
export const DOORS: readonly Door[] = ['chat', 'responses', 'messages', 'responses-store'];
/** What `--doors` defaults to, in the full run and in --quick. */
export const DEFAULT_DOORS: readonly Door[] = ['chat', 'responses', 'messages'];

/**
 * Requests that make Aegis full's wave-2 stages work (issue 28), sent through chat to the same
 * process: `fit`, a 30-turn conversation to a model whose context is too small for it (the context
 * stage counts and cuts); `tools`, the bench prompt with three tools to a model whose tools are
 * emulated (the tools stage plans a constrained call, the answer goes through the tool parser).
 */
export type StageShape = 'fit' | 'tools';
export const STAGE_SHAPES: readonly StageShape[] = ['fit', 'tools'];

/** One door's request and how to read its answers. */
export interface RequestShape {
  door: Door;
  /** Set for the wave-2 stage shapes (chat requests of another kind). */
  stage?: StageShape;
  path: string;
  /** The request body, whole and streamed (built once: every request of a load sends the same). */
  whole: string;
  streamed: string;
  /** Marks one content token in this door's SSE output (the mock's tokens are "t<i> "). */
  tokenMark: Buffer;
  /** The event every complete stream ends with. */
  doneMark: Buffer;
  /** An error event (before `doneMark`). */
  errorMark: Buffer;
  /** The text of a whole answer, or why the answer is not this door's successful shape. */
  answerText(json: unknown): { text: string } | { why: string };
}

/** The text a whole answer carries when the mock sends `tokens` tokens. */
export function expectedText(tokens: number): string {
  return Array.from({ length: tokens }, (_, i) => `t${i} `).join('');
}

type Json = Record<string, unknown> | undefined;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function chatText(json: unknown): { text: string } | { why: string } {
  const choice = obj(list(obj(json)?.choices)[0]);
  const content = obj(choice?.message)?.content;
  return typeof content === 'string' ? { text: content } : { why: 'no choices[0].message.content' };
}

function responsesText(json: unknown): { text: string } | { why: string } {
  const r = obj(json);
  if (r?.object !== 'response' || r.status !== 'completed') return { why: `object ${String(r?.object)}, status ${String(r?.status)}` };
  const parts = list(r.output)
    .map(obj)
    .filter((item) => item?.type === 'message')
    .flatMap((item) => list(item?.content).map(obj))
    .filter((p) => p?.type === 'output_text');
  return parts.length ? { text: parts.map((p) => String(p?.text)).join('') } : { why: 'no output_text in output' };
}

function messagesText(json: unknown): { text: string } | { why: string } {
  const m = obj(json);
  if (m?.type !== 'message' || m.stop_reason !== 'end_turn') return { why: `type ${String(m?.type)}, stop_reason ${String(m?.stop_reason)}` };
  const blocks = list(m.content)
    .map(obj)
    .filter((b) => b?.type === 'text');
  return blocks.length ? { text: blocks.map((b) => String(b?.text)).join('') } : { why: 'no text block in content' };
}

function responsesBody(stream: boolean, store: boolean): string {
  return JSON.stringify({
    model: BENCH_MODEL,
    instructions: SYSTEM,
    input: PROMPT,
    max_output_tokens: MAX_TOKENS,
    stream,
    ...(store ? {} : { store: false }),
  });
}

function messagesBody(stream: boolean): string {
  return JSON.stringify({ model: BENCH_MODEL, max_tokens: MAX_TOKENS, system: SYSTEM, messages: [{ role: 'user', content: PROMPT }], stream });
}

/** Turns of the `fit` conversation, and the context of its model (targets.ts): 30 turns are ~3,900 tokens by the estimate. */
export const FIT_TURNS = 30;

/** 30 user/assistant exchanges of ~270 characters each way, then the bench prompt: the client resends the whole conversation. */
export function fitBody(stream: boolean): string {
  const messages: { role: string; content: string }[] = [{ role: 'system', content: SYSTEM }];
  for (let i = 1; i < FIT_TURNS; i++) {
    messages.push({
      role: 'user',
      content: `Turn ${i}: here is the next part of the change to review. ${PROMPT.slice((i * 37) % 200, ((i * 37) % 200) + 220)}`,
    });
    messages.push({
      role: 'assistant',
      content: `Noted for turn ${i}. The part on ${['latency', 'memory', 'error handling', 'the spool'][i % 4]} reads correctly so far; the risks I see are listed at the end once the whole change is in.`,
    });
  }
  messages.push({ role: 'user', content: PROMPT });
  return JSON.stringify({ model: FIT_MODEL, messages, max_tokens: MAX_TOKENS, stream });
}

/** Three tools, as an agent's request carries them (parameters with types, enums and required keys). */
export const BENCH_TOOLS = [
  {
    type: 'function',
    function: {
      name: 'search_code',
      description: 'Search the repository for a symbol or text and return matching lines.',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string', description: 'Text or symbol to find' }, path: { type: 'string', description: 'Folder to search in' } },
        required: ['query'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'run_tests',
      description: 'Run the test suite or one test file and report failures.',
      parameters: {
        type: 'object',
        properties: { file: { type: 'string' }, timeout_s: { type: 'integer', minimum: 1, maximum: 600 } },
        required: [],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'open_issue',
      description: 'File an issue for a risk found in review.',
      parameters: {
        type: 'object',
        properties: {
          title: { type: 'string' },
          severity: { type: 'string', enum: ['low', 'medium', 'high'] },
          body: { type: 'string' },
        },
        required: ['title', 'severity'],
      },
    },
  },
];

export function toolsBody(stream: boolean): string {
  return promptBody(TOOLS_MODEL, stream, { tools: BENCH_TOOLS });
}

/** A wave-2 stage shape: a chat request of another kind, read as chat. */
export function stageShape(stage: StageShape): RequestShape {
  const body = stage === 'fit' ? fitBody : toolsBody;
  return { ...requestShape('chat'), stage, whole: body(false), streamed: body(true) };
}

export function requestShape(door: Door): RequestShape {
  switch (door) {
    case 'chat':
      return {
        door,
        path: '/v1/chat/completions',
        whole: chatBody(false),
        streamed: chatBody(true),
        tokenMark: Buffer.from('"content":"t'),
        doneMark: Buffer.from('[DONE]'),
        errorMark: Buffer.from('{"error"'),
        answerText: chatText,
      };
    case 'responses':
    case 'responses-store':
      return {
        door,
        path: '/v1/responses',
        whole: responsesBody(false, door === 'responses-store'),
        streamed: responsesBody(true, door === 'responses-store'),
        tokenMark: Buffer.from('"delta":"t'),
        doneMark: Buffer.from('"type":"response.completed"'),
        errorMark: Buffer.from('"type":"response.failed"'),
        answerText: responsesText,
      };
    case 'messages':
      return {
        door,
        path: '/v1/messages',
        whole: messagesBody(false),
        streamed: messagesBody(true),
        tokenMark: Buffer.from('"text_delta","text":"t'),
        doneMark: Buffer.from('"type":"message_stop"'),
        errorMark: Buffer.from('"type":"error"'),
        answerText: messagesText,
      };
  }
}

/** Occurrences of `needle` in `hay`. */
export function countOf(hay: Buffer, needle: Buffer): number {
  let n = 0;
  let at = hay.indexOf(needle);
  while (at !== -1) {
    n++;
    at = hay.indexOf(needle, at + needle.length);
  }
  return n;
}
