// The Responses API objects Aegis produces: the response, its output items, usage and the stream
// events, as OpenAI documents them (platform.openai.com/docs/api-reference/responses). Items are
// types, not interfaces: a stored output item is also an input item of the next request.

export type OutputText = {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
};

export type OutputMessage = {
  type: 'message';
  id: string;
  status: ItemStatus;
  role: 'assistant';
  content: OutputText[];
};

export type FunctionCallItem = {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  /** Set for a tool of a `namespace` tool: `name` is then the tool's name inside it. */
  namespace?: string;
  arguments: string;
  status: ItemStatus;
};

export type CustomToolCallItem = {
  type: 'custom_tool_call';
  id: string;
  call_id: string;
  name: string;
  namespace?: string;
  input: string;
  status: ItemStatus;
};

export type ReasoningItem = {
  type: 'reasoning';
  id: string;
  summary: { type: 'summary_text'; text: string }[];
  content?: { type: 'reasoning_text'; text: string }[];
  status?: ItemStatus;
};

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export type OutputItem = OutputMessage | FunctionCallItem | CustomToolCallItem | ReasoningItem;

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponseError {
  code: string;
  message: string;
}

/** What a response echoes of its request (OpenAI returns the parameters it ran with). */
export interface ResponseEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: Record<string, unknown> };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: string;
  user: string | null;
  metadata: Record<string, string>;
}

export interface ResponseObject extends ResponseEcho {
  id: string;
  object: 'response';
  /** Unix seconds. */
  created_at: number;
  status: ResponseStatus;
  error: ResponseError | null;
  incomplete_details: { reason: string } | null;
  model: string;
  output: OutputItem[];
  usage: ResponseUsage | null;
}

/** One event of a response stream; every event carries its `sequence_number`. */
export interface ResponseStreamEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

/** Ids for new objects: `resp_…`, `msg_…`, `fc_…`; injected so tests can make them predictable. */
export type NewId = (prefix: string) => string;
