// POST /v1/responses (the Responses API as a front door), and the stored responses:
// GET and DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items.
import type { Context, Hono } from 'hono';
import { GatewayError } from '../../core';
import { responses } from '../../protocols';
import { clampMaxTokens, edgeHeaders, newId } from '../agents/edge';
import { inputItemsPage } from '../agents/input-items';
import type { ResponseStore, StoredResponse } from '../agents/response-store';
import { responsesDoor } from '../agents/responses-door';
import { readJsonBody } from '../body';
import type { GatewaySnapshot } from '../deps';
import { refused, serveDoor, type DoorTarget } from './serve-door';

/** Deeper chains than this are refused rather than walked (a loop in a durable store, say). */
const MAX_CHAIN = 1_000;

const notFound = (id: string) => new GatewayError('not_found', `Response with id '${id}' not found.`, { param: 'response_id' });

/**
 * The conversation a response continues: every earlier input and output of its chain, oldest
 * first. A chain with a missing link (expired, deleted, another key's) is refused: continuing
 * without part of the history would answer a different conversation.
 */
async function conversation(store: ResponseStore, id: string, owner: string): Promise<responses.InputItem[]> {
  const chain: StoredResponse[] = [];
  for (let next: string | null = id; next !== null; ) {
    const entry = await store.get(next, owner);
    if (!entry || chain.length >= MAX_CHAIN) {
      const which =
        next === id ? `Previous response with id '${id}' not found.` : `Response '${next}', earlier in the conversation of '${id}', is no longer stored.`;
      throw new GatewayError('previous_response_not_found', which, { param: 'previous_response_id' });
    }
    chain.push(entry);
    next = entry.previousResponseId;
  }
  return chain.reverse().flatMap((e) => [...e.input, ...e.response.output]);
}

/** Stage 1 of this door: the body parsed, its conversation found, translated into a chat request. */
async function translated(c: Context, snapshot: GatewaySnapshot, store: ResponseStore, owner: string) {
  const body = await readJsonBody(c, responses.responsesRequestSchema, snapshot.options.bodyLimitBytes);
  const previous = body.previous_response_id ?? null;
  const history = previous ? await conversation(store, previous, owner) : [];
  const translation = responses.fromResponsesRequest(body, { history, newId });
  return { previous, translation, clamped: clampMaxTokens(snapshot, translation.chat) };
}

export function responsesRoutes(app: Hono, target: DoorTarget, store: ResponseStore): void {
  const { deps } = target;

  app.post('/v1/responses', async (c) => {
    const snapshot = deps.snapshot();
    const owner = c.get('principal').id;
    const requestId = c.get('requestId');
    const { previous, translation, clamped } = await translated(c, snapshot, store, owner).catch((err: unknown) => {
      throw refused(deps, { route: 'chat', api: 'responses' }, err);
    });
    let stored: Promise<void> | undefined;
    const door = responsesDoor({
      translation,
      id: newId('resp'),
      createdAt: Math.floor(deps.clock.now() / 1000),
      headers: edgeHeaders({ requestId, logger: deps.logger, dropped: translation.dropped }, clamped),
      onFinal(response) {
        if (!translation.echo.store) return;
        stored = store.put({ id: response.id, owner, response, input: translation.input, previousResponseId: previous }).catch((err: Error) => {
          deps.logger.error({ requestId, err: err.message }, 'a response could not be stored; previous_response_id will not find it');
        });
      },
    });
    const res = await serveDoor(c, target, snapshot, door, translation.chat);
    // A whole response is stored before the client has it, so it can continue at once.
    if (stored) await stored;
    return res;
  });

  app.get('/v1/responses/:id', async (c) => {
    const id = c.req.param('id');
    const entry = await store.get(id, c.get('principal').id);
    if (!entry) throw notFound(id);
    return c.json(entry.response);
  });

  app.delete('/v1/responses/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await store.delete(id, c.get('principal').id))) throw notFound(id);
    return c.json({ id, object: 'response', deleted: true });
  });

  app.get('/v1/responses/:id/input_items', async (c) => {
    const id = c.req.param('id');
    const entry = await store.get(id, c.get('principal').id);
    if (!entry) throw notFound(id);
    return c.json(inputItemsPage(entry.input, { limit: c.req.query('limit'), order: c.req.query('order'), after: c.req.query('after') }));
  });
}
