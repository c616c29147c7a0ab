// Anthropic Messages as a front door for one request: the translation of its body (src/protocols)
// carried to where the answer is turned back, whole or as Anthropic's event stream.
import { sseEvents, type ChatChunk, type ChatCompletion, type ChatRequest } from '../../core';
import { messages } from '../../protocols';
import type { FrontDoor } from '../exchange/front-door';
import { estimatePromptTokens } from '../exchange/token-estimate';
import { chatDoor } from '../routes/inference';
import { eventFraming, newId } from './edge';
import { chatConversation } from '../exchange/chat-conversation';

export interface MessagesDoorOptions {
  translation: messages.MessagesTranslation;
  id: string;
  requestId: string;
  headers?: Record<string, string>;
}

export function messagesDoor(o: MessagesDoorOptions): FrontDoor<ChatRequest, ChatCompletion, ChatChunk> {
  let converter: messages.MessagesStreamConverter | undefined;
  const converterFor = (model: string, request: ChatRequest) =>
    (converter ??= new messages.MessagesStreamConverter(o.translation, { id: o.id, model }, newId, estimatePromptTokens(request)));

  return {
    route: 'chat',
    conversation: chatConversation,
    api: 'messages',
    capability: 'chat',
    call: chatDoor.call,
    whole(turn, body, _request, model) {
      turn.chatCompletion(body);
      return messages.toMessage(o.translation, body, { id: o.id, model }, newId);
    },
    chunk: (turn, chunk) => turn.chatChunk(chunk),
    chatChunk: (chunk) => chunk,
    stream(x, turn) {
      const c = converterFor(x.target.entry.name, x.request);
      return {
        begin: () => sseEvents(c.begin()),
        chunk(chunk) {
          turn.chatChunk(chunk);
          const events = c.push(chunk);
          return events.length > 0 ? sseEvents(events) : undefined;
        },
        end: () => [sseEvents(c.finish(x.usage()))],
      };
    },
    sse: eventFraming((error) => {
      const c = converter ?? converterFor(o.translation.chat.model, o.translation.chat);
      return sseEvents(c.fail(error, o.requestId));
    }),
    headers: o.headers,
  };
}
