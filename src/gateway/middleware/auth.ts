// Bearer-key authentication (as the OpenAI SDK sends it). Keys never reach logs: a failure is
// reported with the request id and the caller's address only.
import type { MiddlewareHandler } from 'hono';
import { GatewayError } from '../../core';
import type { AuthFailureSink } from '../auth-failures';
import { anonymousPrincipal, type KeyStore, type Principal } from '../keys';
import { isLoopbackAddress, remoteAddress } from './access';
import './context';

export interface AuthOptions {
  /** Read per request: a config reload may replace the keys. */
  keys: () => KeyStore;
  /**
   * Whether a caller without a key is served when no keys are configured. Even then only callers
   * on a loopback address are: the socket is checked, not just how the listener was bound.
   */
  anonymous: () => { allowed: boolean; admin: boolean };
  /** The local operator's token (see cli/operator-token.ts), accepted from loopback callers only. */
  operator?: () => KeyStore | undefined;
  failures: AuthFailureSink;
}

export function auth({ keys, anonymous, operator, failures }: AuthOptions): MiddlewareHandler {
  return function authMiddleware(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const apiKey = match?.[1] ?? c.req.header('x-api-key');
    const store = keys();
    // A configured key is accepted from anywhere: the caller's address matters only below.
    const principal = apiKey ? store.verify(apiKey) : undefined;
    if (principal) {
      c.set('principal', principal);
      return next();
    }
    const address = remoteAddress(c);
    const local = isLoopbackAddress(address);
    const operatorPrincipal = apiKey && local ? operator?.()?.verify(apiKey) : undefined;
    if (operatorPrincipal) {
      c.set('principal', operatorPrincipal);
      return next();
    }
    // SDKs insist on sending some key ("none"): with no keys configured it is not a credential.
    const anon = anonymous();
    if (store.size === 0 && anon.allowed && local) {
      c.set('principal', anon.admin ? anonymousAdmin : anonymousPrincipal);
      return next();
    }
    const reason = apiKey ? 'invalid_api_key' : 'missing_api_key';
    failures.record({ address, reason, path: c.req.path, requestId: c.get('requestId') });
    throw reason === 'missing_api_key'
      ? new GatewayError('missing_api_key', 'You did not provide an API key. Send it as "Authorization: Bearer <key>".')
      : new GatewayError('invalid_api_key', 'Incorrect API key provided.');
  };
}

const anonymousAdmin: Principal = { ...anonymousPrincipal, roles: [...anonymousPrincipal.roles, 'admin'] };

export function requireRole(role: string): MiddlewareHandler {
  return async function requireRoleMiddleware(c, next) {
    if (!c.get('principal').roles.includes(role)) {
      throw new GatewayError('permission_denied', `This endpoint needs the "${role}" role.`);
    }
    return next();
  };
}
