// Reads and validates a JSON request body: content type (415), size limit (413), JSON (400) and
// schema (400 with the offending `param`).
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { z } from 'zod';
import { describeIssue, GatewayError } from '../core';

const tooLarge = (limit: number) => new GatewayError('body_too_large', `Request body is larger than ${limit} bytes.`);

/** Reads straight from Node's IncomingMessage: building the web Request body stream costs more. */
function readIncoming(incoming: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        incoming.removeAllListeners('data');
        incoming.resume();
        reject(tooLarge(limit));
        return;
      }
      parts.push(chunk);
    });
    incoming.once('end', () => resolve(parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8')));
    incoming.once('error', reject);
  });
}

async function readLimited(c: Context, limit: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // Only while nobody else consumes it (flowing is null until someone reads).
  if (incoming && incoming.readableFlowing === null && !incoming.readableEnded) return readIncoming(incoming, limit);
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Deeper than any request OpenAI's API defines (a tool schema nests a few dozen levels at most).
 * Deeper documents would overflow the stack of every recursive walk after parsing: the token
 * estimate, redaction, the upstream's JSON encoder.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Whether `value` nests objects/arrays deeper than `limit`. Recursive, but never more than `limit`
 * frames deep, so any document is safe; allocates nothing (it runs on every request body).
 */
export function deeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (const x of value) if (deeperThan(x, limit - 1)) return true;
    return false;
  }
  for (const key in value) if (deeperThan((value as Record<string, unknown>)[key], limit - 1)) return true;
  return false;
}

export async function readJsonBody<S extends z.ZodType>(c: Context, schema: S, limit: number): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new GatewayError('unsupported_media_type', `Content-Type must be application/json (got "${type || 'none'}").`);
  }
  const text = await readLimited(c, limit);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GatewayError('invalid_json', `We could not parse the JSON body of your request: ${(err as Error).message}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  if (deeperThan(json, MAX_JSON_DEPTH))
    throw new GatewayError('invalid_request', `The request body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels.`);
  const result = schema.safeParse(json);
  if (!result.success) {
    const { message, param } = describeIssue(result.error);
    throw new GatewayError('invalid_request', message, { param });
  }
  return result.data;
}
