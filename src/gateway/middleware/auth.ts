// Bearer-key authentication (as the OpenAI SDK sends it). Keys never reach logs: a failure is
// logged with the request id only.
import type { MiddlewareHandler } from 'hono';
import { GatewayError, type Logger } from '../../core';
import { anonymousPrincipal, type KeyStore } from '../keys';
import './context';

export interface AuthOptions {
  /** Read per request: a config reload may replace the keys. */
  keys: () => KeyStore;
  allowAnonymous: () => boolean;
  logger: Logger;
}

export function auth({ keys, allowAnonymous, logger }: AuthOptions): MiddlewareHandler {
  return async function authMiddleware(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const apiKey = match?.[1] ?? c.req.header('x-api-key');
    const store = keys();
    if (store.size === 0 && allowAnonymous()) {
      c.set('principal', anonymousPrincipal);
      return next();
    }
    if (!apiKey) {
      logger.warn({ requestId: c.get('requestId'), path: c.req.path }, 'request without an API key refused');
      throw new GatewayError('missing_api_key', 'You did not provide an API key. Send it as "Authorization: Bearer <key>".');
    }
    const principal = store.verify(apiKey);
    if (!principal) {
      logger.warn({ requestId: c.get('requestId'), path: c.req.path }, 'request with an invalid API key refused');
      throw new GatewayError('invalid_api_key', 'Incorrect API key provided.');
    }
    c.set('principal', principal);
    return next();
  };
}

export function requireRole(role: string): MiddlewareHandler {
  return async function requireRoleMiddleware(c, next) {
    if (!c.get('principal').roles.includes(role)) {
      throw new GatewayError('permission_denied', `This endpoint needs the "${role}" role.`);
    }
    return next();
  };
}
