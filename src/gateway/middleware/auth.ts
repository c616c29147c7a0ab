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
  /**
   * Also take the key as the password of HTTP Basic credentials (any user name): what a browser
   * sends after its own login prompt, for pages such as /status that a person opens.
   */
  basic?: boolean;
}

/** The password of `Authorization: Basic base64(user:password)`, if that is what `header` is. */
function basicPassword(header: string): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 || colon === decoded.length - 1 ? undefined : decoded.slice(colon + 1);
}

export function auth({ keys, anonymous, operator, failures, basic = false }: AuthOptions): MiddlewareHandler {
  return function authMiddleware(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const apiKey = match?.[1] ?? c.req.header('x-api-key') ?? (basic ? basicPassword(header) : undefined);
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

/** Lets the request through when its principal has one of `roles`. */
export function requireRole(...roles: string[]): MiddlewareHandler {
  return async function requireRoleMiddleware(c, next) {
    const held = c.get('principal').roles;
    if (!roles.some((r) => held.includes(r))) {
      throw new GatewayError('permission_denied', `This endpoint needs the ${roles.map((r) => `"${r}"`).join(' or ')} role.`);
    }
    return next();
  };
}
