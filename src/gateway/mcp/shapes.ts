// Structural checks for what chat upstreams send, so the tool loop can read a round's answer
// whatever door the exchange came through (every chat door's upstream speaks OpenAI chat).
import type { ChatChunk, ChatCompletion } from '../../core';

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isChatCompletion(body: unknown): body is ChatCompletion {
  return isRecord(body) && Array.isArray(body.choices) && body.choices.every((c) => isRecord(c) && isRecord(c.message));
}

export function isChatChunk(chunk: unknown): chunk is ChatChunk {
  return isRecord(chunk) && Array.isArray(chunk.choices) && chunk.choices.every((c) => isRecord(c) && isRecord(c.delta));
}

/** The name of a function tool (or of a tool_choice naming one). */
export function functionName(t: unknown): string | undefined {
  if (!isRecord(t) || !isRecord(t.function)) return undefined;
  return typeof t.function.name === 'string' ? t.function.name : undefined;
}
