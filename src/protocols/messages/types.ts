// The Anthropic Messages objects Aegis produces: the message, its content blocks, usage, the
// stream events and the error envelope (docs.anthropic.com/en/api/messages, /en/api/errors).

export interface TextBlock {
  type: 'text';
  text: string;
}

export interface ThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export type ContentBlock = TextBlock | ThinkingBlock | ToolUseBlock;

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: ContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: MessageUsage;
}

/** One event of a message stream; the SSE event name is its `type`. */
export interface MessageStreamEvent {
  type: string;
  [field: string]: unknown;
}

// A type, not an interface, so that it is also a stream event (an `error` event's data).
export type AnthropicErrorEnvelope = {
  type: 'error';
  error: { type: string; message: string; [detail: string]: unknown };
  request_id?: string;
};
