// A Responses request as the internal chat request every upstream serves, plus what the answer
// needs to be turned back: the tool map, the tools that were dropped, the echoed parameters and
// this request's input items (kept for `previous_response_id` and `input_items`).
import type { ChatMessage, ChatRequest } from '../../core';
import { invalid } from '../validate';
import { identifiedItems, itemsToMessages } from './items';
import type { InputItem, ResponsesRequest } from './schema';
import { translateToolChoice, translateTools, type ToolMap } from './tools';
import type { NewId, ResponseEcho } from './types';

export interface ResponsesTranslation {
  chat: ChatRequest;
  tools: ToolMap;
  /** Hosted tools not offered to the model (`web_search`, `file_search`, …). */
  dropped: string[];
  /** This request's input, every item typed and with an id. */
  input: InputItem[];
  echo: ResponseEcho;
}

export interface ResponsesTranslateOptions {
  /** The conversation before this request (earlier inputs and outputs), for `previous_response_id`. */
  history?: readonly InputItem[];
  newId: NewId;
}

/** `text.format` as Chat Completions' `response_format` (OpenAI's mapping; Portkey's too). */
function responseFormat(format: { type: string; [field: string]: unknown } | null | undefined): { type: string; [field: string]: unknown } | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_schema') {
    const { type: _type, ...schema } = format;
    return { type: 'json_schema', json_schema: schema };
  }
  return { type: format.type };
}

function echoOf(req: ResponsesRequest): ResponseEcho {
  return {
    instructions: req.instructions ?? null,
    max_output_tokens: req.max_output_tokens ?? null,
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    previous_response_id: req.previous_response_id ?? null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: req.reasoning?.summary ?? null },
    store: req.store ?? true,
    temperature: req.temperature ?? null,
    text: { format: req.text?.format ?? { type: 'text' } },
    tool_choice: req.tool_choice ?? 'auto',
    tools: req.tools ?? [],
    top_p: req.top_p ?? null,
    truncation: req.truncation ?? 'disabled',
    user: req.user ?? null,
    metadata: req.metadata ?? {},
  };
}

export function fromResponsesRequest(req: ResponsesRequest, { history = [], newId }: ResponsesTranslateOptions): ResponsesTranslation {
  if (req.background) throw invalid('Background responses are not supported by Aegis; send the request without `background`.', 'background');
  if (req.conversation !== undefined && req.conversation !== null)
    throw invalid('Conversation objects are not supported by Aegis; continue a conversation with `previous_response_id`.', 'conversation');
  const input = identifiedItems(req.input, newId);
  const messages: ChatMessage[] = [];
  // Instructions are this request's only: OpenAI does not carry them over from a previous response.
  if (req.instructions) messages.push({ role: 'system', content: req.instructions });
  itemsToMessages(history, 'previous_response_id', messages);
  itemsToMessages(input, 'input', messages);
  if (!messages.some((m) => m.role !== 'system' && m.role !== 'developer'))
    throw invalid('The request has no input for the model: send `input` (a string or a list of items).', 'input');

  const tools = translateTools(req.tools);
  const toolChoice = translateToolChoice(req.tool_choice, tools);
  const chat: ChatRequest = { model: req.model, messages };
  if (req.stream) chat.stream = true;
  if (req.max_output_tokens != null) chat.max_tokens = req.max_output_tokens;
  if (req.temperature != null) chat.temperature = req.temperature;
  if (req.top_p != null) chat.top_p = req.top_p;
  if (req.user) chat.user = req.user;
  if (tools.tools.length > 0) {
    chat.tools = tools.tools;
    if (toolChoice !== undefined) chat.tool_choice = toolChoice;
    if (req.parallel_tool_calls != null) chat.parallel_tool_calls = req.parallel_tool_calls;
  }
  const format = responseFormat(req.text?.format);
  if (format) chat.response_format = format;
  return { chat, tools: tools.map, dropped: tools.dropped, input, echo: echoOf(req) };
}
