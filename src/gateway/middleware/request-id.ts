// Gives every request an id (the client's X-Request-Id when it is sane) and echoes it back.
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import './context';

export interface RequestIdOptions {
  headerName?: string;
  generator?: () => string;
  now?: () => number;
}

export function requestId({ headerName = 'x-request-id', generator = () => `req_${randomUUID()}`, now = Date.now }: RequestIdOptions = {}): MiddlewareHandler {
  // Not async: Hono's dispatcher awaits what a middleware returns, so a wrapper promise per
  // middleware and request would only add work.
  return function requestIdMiddleware(c, next) {
    const given = c.req.header(headerName);
    const id = given && /^[\w.:-]{1,128}$/.test(given) ? given : generator();
    c.set('requestId', id);
    c.set('startedAt', now());
    c.header(headerName, id);
    return next();
  };
}
