// Gives every request an id (the client's X-Request-Id when it is sane) and echoes it back.
import type { MiddlewareHandler } from 'hono';
import { timeOrderedUuid } from '../../core';
import './context';

export interface RequestIdOptions {
  headerName?: string;
  generator?: () => string;
  now?: () => number;
}

export function requestId({ headerName = 'x-request-id', generator, now = Date.now }: RequestIdOptions = {}): MiddlewareHandler {
  // Time-ordered: the request id keys the exchange record (core/ids.ts says why).
  const newId = generator ?? (() => `req_${timeOrderedUuid(now())}`);
  // Not async: Hono's dispatcher awaits what a middleware returns, so a wrapper promise per
  // middleware and request would only add work.
  return function requestIdMiddleware(c, next) {
    const given = c.req.header(headerName);
    const id = given && /^[\w.:-]{1,128}$/.test(given) ? given : newId();
    c.set('requestId', id);
    c.set('startedAt', now());
    c.header(headerName, id);
    return next();
  };
}
