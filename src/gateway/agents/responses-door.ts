// The Responses API as a front door for one request: the translation of its body (src/protocols)
// carried to where the answer is turned back, whole or as the event stream, and the final
// response handed to the store.
import { sseEvents, type ChatChunk, type ChatCompletion, type ChatRequest } from '../../core';
import { responses } from '../../protocols';
import type { FrontDoor } from '../exchange/front-door';
import { chatDoor } from '../routes/inference';
import { eventFraming, newId } from './edge';
import { chatConversation } from '../exchange/chat-conversation';

export interface ResponsesDoorOptions {
  translation: responses.ResponsesTranslation;
  /** The response's id, known before the call so that a failure can name it. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  headers?: Record<string, string>;
  /** Told the final response once: completed, incomplete or failed. */
  onFinal?(response: responses.ResponseObject): void;
}

export function responsesDoor(o: ResponsesDoorOptions): FrontDoor<ChatRequest, ChatCompletion, ChatChunk> {
  let converter: responses.ResponsesStreamConverter | undefined;
  const converterFor = (model: string) =>
    (converter ??= new responses.ResponsesStreamConverter(o.translation, { id: o.id, createdAt: o.createdAt, model }, newId));
  const final = (response: responses.ResponseObject) => o.onFinal?.(response);

  return {
    route: 'chat',
    conversation: chatConversation,
    api: 'responses',
    capability: 'chat',
    call: chatDoor.call,
    whole(turn, body, _request, model) {
      turn.chatCompletion(body);
      const response = responses.toResponse(o.translation, body, { id: o.id, createdAt: o.createdAt, model }, newId);
      final(response);
      return response;
    },
    chunk: (turn, chunk) => turn.chatChunk(chunk),
    chatChunk: (chunk) => chunk,
    stream(x, turn) {
      const c = converterFor(x.target.entry.name);
      return {
        begin: () => sseEvents(c.begin()),
        chunk(chunk) {
          turn.chatChunk(chunk);
          const events = c.push(chunk);
          return events.length > 0 ? sseEvents(events) : undefined;
        },
        end() {
          const events = c.finish(x.usage());
          final(c.current);
          return [sseEvents(events)];
        },
      };
    },
    // A failure before the first chunk (a queue that timed out after keep-alive comments) still
    // gets the whole story: created, in_progress, failed.
    sse: eventFraming((error) => {
      const c = converter ?? converterFor(o.translation.chat.model);
      const events = c.fail(error);
      final(c.current);
      return sseEvents(events);
    }),
    headers: o.headers,
  };
}
