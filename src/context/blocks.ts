// A conversation as blocks: the units fitting may drop. An assistant message with tool calls and
// the tool results answering it are one block, so a result is never sent without its call (the
// cause of provider 400s when truncation splits them: AstrBotDevs/AstrBot#5416).
import type { Message } from './types';

export interface Block {
  /** First message index. */
  start: number;
  /** One past the last message index. */
  end: number;
  /** System messages, the last user message and the last block are kept whatever happens. */
  pinned: boolean;
}

const isSystem = (m: Message): boolean => m.role === 'system' || m.role === 'developer';
const isResult = (m: Message): boolean => m.role === 'tool' || m.role === 'function';
const callsTools = (m: Message): boolean => m.role === 'assistant' && ((m.tool_calls?.length ?? 0) > 0 || m.function_call != null);

/**
 * Splits `messages` into blocks in order. Results that follow a tool-calling assistant message
 * belong to its block; a result with no call before it (the client already cut it) stands alone.
 */
export function conversationBlocks(messages: readonly Message[]): Block[] {
  const blocks: Block[] = [];
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') {
      lastUser = i;
      break;
    }
  }
  let i = 0;
  while (i < messages.length) {
    const m = messages[i]!;
    let end = i + 1;
    if (callsTools(m)) while (end < messages.length && isResult(messages[end]!)) end++;
    blocks.push({ start: i, end, pinned: isSystem(m) || i === lastUser });
    i = end;
  }
  const last = blocks.at(-1);
  if (last) last.pinned = true;
  return blocks;
}
