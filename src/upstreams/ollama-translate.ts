// Pure translation between OpenAI requests/responses and Ollama's native /api/chat, /api/generate
// and /api/embed shapes (NDJSON streams become OpenAI chunks).
import type { ChatChunk, ChatCompletion, ChatMessage, ChatRequest, Completion, CompletionRequest, ToolCall, Usage } from '../core';
import { joinTextParts, SAFE_SHAPES, shapeMessage, type ContentPart } from './message-shapes';

export interface OllamaMessage {
  role: string;
  content: string;
  images?: string[];
  tool_calls?: { function: { name: string; arguments: Record<string, unknown> } }[];
  tool_name?: string;
  thinking?: string;
}

export interface OllamaChatLine {
  model: string;
  created_at: string;
  message?: OllamaMessage;
  response?: string;
  done: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
}

type Options = Record<string, unknown>;

/** OpenAI sampling fields → Ollama `options`; unknown extras such as top_k pass through. */
export function ollamaOptions(req: ChatRequest | CompletionRequest, numCtx?: number): Options {
  const o: Options = {};
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens != null) o.num_predict = maxTokens;
  if (req.temperature != null) o.temperature = req.temperature;
  if (req.top_p != null) o.top_p = req.top_p;
  if (req.seed != null) o.seed = req.seed;
  if (req.stop != null) o.stop = Array.isArray(req.stop) ? req.stop : [req.stop];
  if (req.presence_penalty != null) o.presence_penalty = req.presence_penalty;
  if (req.frequency_penalty != null) o.frequency_penalty = req.frequency_penalty;
  for (const k of ['top_k', 'min_p', 'repeat_penalty', 'repeat_last_n', 'num_keep', 'typical_p', 'mirostat']) {
    if ((req as Record<string, unknown>)[k] != null) o[k] = (req as Record<string, unknown>)[k];
  }
  if (numCtx) o.num_ctx = numCtx;
  return o;
}

function toOllamaMessage(message: ChatMessage, toolNames: Map<string, string>): OllamaMessage {
  // Ollama's native API takes only the safe shapes: content is always a string, images travel apart.
  const m = shapeMessage(message, SAFE_SHAPES);
  const out: OllamaMessage = { role: m.role, content: '' };
  if (typeof m.content === 'string') out.content = m.content;
  else if (Array.isArray(m.content)) {
    out.content = joinTextParts(m.content);
    const images = m.content.map(imageData).filter((data) => data !== '');
    if (images.length) out.images = images;
  }
  if (m.tool_calls) {
    out.tool_calls = m.tool_calls.map((tc) => {
      toolNames.set(tc.id, tc.function.name);
      return { function: { name: tc.function.name, arguments: parseArgs(tc.function.arguments) } };
    });
  }
  if (m.role === 'tool' && m.tool_call_id) out.tool_name = toolNames.get(m.tool_call_id);
  return out;
}

/** An image_url part's data; Ollama takes raw base64 only, so data URLs are unwrapped. */
function imageData(part: ContentPart): string {
  if (part.type !== 'image_url') return '';
  const ref = part.image_url;
  const url = typeof ref === 'string' ? ref : typeof ref === 'object' && ref !== null && 'url' in ref && typeof ref.url === 'string' ? ref.url : '';
  return url.replace(/^data:[^;]+;base64,/, '');
}

function parseArgs(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { raw: text };
  }
}

export function toOllamaChat(req: ChatRequest, model: string, numCtx: number | undefined, keepAlive: string | number | undefined): Record<string, unknown> {
  const toolNames = new Map<string, string>();
  const body: Record<string, unknown> = {
    model,
    messages: req.messages.map((m) => toOllamaMessage(m, toolNames)),
    stream: req.stream ?? false,
    options: ollamaOptions(req, numCtx),
  };
  if (req.tools?.length && req.tool_choice !== 'none') body.tools = req.tools;
  const rf = req.response_format as { type: string; json_schema?: { schema?: unknown } } | null | undefined;
  if (rf?.type === 'json_object') body.format = 'json';
  if (rf?.type === 'json_schema' && rf.json_schema?.schema) body.format = rf.json_schema.schema;
  if (keepAlive !== undefined) body.keep_alive = keepAlive;
  // Aegis fits the prompt to num_ctx itself (src/context); Ollama must refuse rather than silently
  // drop the front of a prompt Aegis miscounted, so the gateway can refit and retry.
  body.truncate = false;
  return body;
}

export function toOllamaGenerate(
  req: CompletionRequest,
  model: string,
  numCtx: number | undefined,
  keepAlive: string | number | undefined,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    prompt: Array.isArray(req.prompt) ? req.prompt.join('') : req.prompt,
    stream: req.stream ?? false,
    raw: true,
    options: ollamaOptions(req, numCtx),
  };
  if (keepAlive !== undefined) body.keep_alive = keepAlive;
  return body;
}

function usageOf(line: OllamaChatLine): Usage {
  const p = line.prompt_eval_count ?? 0;
  const c = line.eval_count ?? 0;
  return { prompt_tokens: p, completion_tokens: c, total_tokens: p + c };
}

function finishReason(line: OllamaChatLine, sawToolCalls: boolean): string {
  if (sawToolCalls) return 'tool_calls';
  return line.done_reason === 'length' ? 'length' : 'stop';
}

let callSeq = 0;
function toolCallsOf(msg: OllamaMessage | undefined): ToolCall[] {
  return (msg?.tool_calls ?? []).map((tc) => ({
    id: `call_${Date.now().toString(36)}${(callSeq++).toString(36)}`,
    type: 'function' as const,
    function: { name: tc.function.name, arguments: JSON.stringify(tc.function.arguments ?? {}) },
  }));
}

export function fromOllamaChat(line: OllamaChatLine, id: string, publicModel: string): ChatCompletion {
  const toolCalls = toolCallsOf(line.message);
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.parse(line.created_at) / 1000) || Math.floor(Date.now() / 1000),
    model: publicModel,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: line.message?.content ?? '', ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: finishReason(line, toolCalls.length > 0),
      },
    ],
    usage: usageOf(line),
  };
}

/** Stateful NDJSON → chunk translation for one stream. */
export class OllamaChatStream {
  private first = true;
  private toolIndex = 0;
  private sawToolCalls = false;
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly id: string,
    private readonly model: string,
  ) {}

  private chunk(delta: ChatChunk['choices'][0]['delta'], finish: string | null, usage?: Usage): ChatChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...(usage ? { usage } : {}),
    };
  }

  translate(line: OllamaChatLine): ChatChunk[] {
    const out: ChatChunk[] = [];
    const text = line.message?.content ?? line.response ?? '';
    const calls = toolCallsOf(line.message);
    if (this.first) {
      out.push(this.chunk({ role: 'assistant', content: '' }, null));
      this.first = false;
    }
    if (text) out.push(this.chunk({ content: text }, null));
    if (calls.length) {
      this.sawToolCalls = true;
      out.push(this.chunk({ tool_calls: calls.map((c) => ({ index: this.toolIndex++, id: c.id, type: 'function' as const, function: c.function })) }, null));
    }
    if (line.done) out.push(this.chunk({}, finishReason(line, this.sawToolCalls), usageOf(line)));
    return out;
  }
}

export function fromOllamaGenerate(line: OllamaChatLine, id: string, publicModel: string, created: number): Completion {
  return {
    id,
    object: 'text_completion',
    created,
    model: publicModel,
    choices: [{ index: 0, text: line.response ?? '', finish_reason: line.done ? finishReason(line, false) : null }],
    ...(line.done ? { usage: usageOf(line) } : {}),
  };
}

/** Ollama durations: seconds as a number, or Go duration strings; Aegis' ttl is seconds. */
export function keepAliveFor(ttlSeconds: number | undefined, pinned: boolean | undefined, fallback: string | number | undefined): string | number | undefined {
  if (pinned) return -1;
  if (ttlSeconds !== undefined) return `${Math.round(ttlSeconds)}s`;
  return fallback;
}
