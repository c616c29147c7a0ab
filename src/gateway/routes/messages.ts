// POST /v1/messages (Anthropic Messages as a front door) and POST /v1/messages/count_tokens. Every
// failure on these paths is rendered in Anthropic's envelope with its status codes, authentication
// included, because Anthropic's SDKs and Claude Code read only that shape.
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { messages } from '../../protocols';
import { clampMaxTokens, edgeHeaders, newId } from '../agents/edge';
import { messagesDoor } from '../agents/messages-door';
import { readJsonBody } from '../body';
import type { GatewaySnapshot } from '../deps';
import { jsonLength, estimatePromptTokens } from '../exchange/token-estimate';
import { resolveModel } from '../stages/resolve';
import { refused, serveDoor, type DoorTarget } from './serve-door';
import '../middleware/context';

/** Renders this path's errors in Anthropic's envelope; registered before authentication. */
export function anthropicErrors(): MiddlewareHandler {
  return async function anthropicErrorsMiddleware(c, next) {
    c.set('errorRenderer', (err, requestId) => ({ status: messages.anthropicStatus(err).status, body: messages.anthropicError(err, requestId) }));
    await next();
  };
}

/** Stage 1 of this door: the body parsed and translated into a chat request. */
async function translated(c: Context, snapshot: GatewaySnapshot) {
  const body = await readJsonBody(c, messages.messagesRequestSchema, snapshot.options.bodyLimitBytes);
  const translation = messages.fromMessagesRequest(body);
  return { translation, clamped: clampMaxTokens(snapshot, translation.chat) };
}

export function messagesRoutes(app: Hono, target: DoorTarget): void {
  const { deps } = target;

  app.post('/v1/messages', async (c) => {
    const snapshot = deps.snapshot();
    const requestId = c.get('requestId');
    const { translation, clamped } = await translated(c, snapshot).catch((err: unknown) => {
      throw refused(deps, { route: 'chat', api: 'messages' }, err);
    });
    const door = messagesDoor({
      translation,
      id: newId('msg'),
      requestId,
      headers: edgeHeaders({ requestId, logger: deps.logger, dropped: translation.dropped }, clamped),
    });
    return serveDoor(c, target, snapshot, door, translation.chat);
  });

  // The prompt's size as the gateway estimates it (four characters a token, tools included);
  // exact counting with the model's tokenizer replaces the estimate when the context stage has it.
  app.post('/v1/messages/count_tokens', async (c) => {
    const snapshot = deps.snapshot();
    const body = await readJsonBody(c, messages.countTokensRequestSchema, snapshot.options.bodyLimitBytes);
    resolveModel(snapshot, body.model);
    const { chat } = messages.fromMessagesRequest(body);
    const tools = chat.tools ? Math.ceil(jsonLength(chat.tools) / 4) : 0;
    return c.json({ input_tokens: estimatePromptTokens(chat) + tools });
  });
}
