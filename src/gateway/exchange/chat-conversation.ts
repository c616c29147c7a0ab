// Where a chat request keeps its conversation, for the context step: the chat door and the agent
// doors (which translate into chat requests) share it, so every door's prompt is fitted alike.
import type { ChatRequest } from '../../core';
import type { Conversation } from './front-door';

export const chatConversation: Conversation<ChatRequest> = {
  messages: (request) => request.messages,
  tools: (request) => request.tools,
  maxTokens: (request) => request.max_completion_tokens ?? request.max_tokens,
  withMessages: (request, messages) => ({ ...request, messages }),
};
