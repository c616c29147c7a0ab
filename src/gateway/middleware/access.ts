// Who may reach the gateway at all, before any key is read: the Host a browser was pointed at and
// the Origin of the page that sent the request. Together they stop DNS rebinding and cross-site
// requests (a `text/plain` POST from any web page) from driving a gateway on the user's machine.
import type { Context, MiddlewareHandler } from 'hono';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { GatewayError } from '../../core';
import { RATE_LIMIT_HEADERS } from '../quota-error';
import './context';

/** A loopback address as a socket reports it (IPv4, IPv6, or IPv4-mapped IPv6). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

/** A host name or address that only ever means this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h.endsWith('.localhost') || isLoopbackAddress(h);
}

/** The name part of a Host header (`[::1]:4000` → `[::1]`, `example.com:80` → `example.com`). */
export function hostName(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const colon = header.lastIndexOf(':');
  return colon === -1 ? header : header.slice(0, colon);
}

/**
 * The caller's socket address. In-process requests (`app.request` in tests, no socket) come from
 * this process itself and count as loopback.
 */
export function remoteAddress(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? '127.0.0.1';
}

export interface AccessOptions {
  /**
   * Host names (without port) requests may be addressed to besides loopback names; `'*'` accepts
   * any. Read per request: a config reload may change it.
   */
  allowedHosts: () => readonly string[];
  /** Origins (`scheme://host[:port]`) whose pages may call the gateway; `'*'` accepts any. */
  allowedOrigins: () => readonly string[];
}

/** Whether requests addressed to `header` (a Host header value) are accepted. */
function hostAllowed(header: string, allowed: readonly string[]): boolean {
  const host = hostName(header);
  return host === '' || isLoopbackHost(host) || allowed.includes('*') || allowed.includes(host.toLowerCase());
}

/** Host headers seen, with the verdict for the allowed list it was made against. */
const HOST_CACHE_SIZE = 64;

export function accessGuard({ allowedHosts, allowedOrigins }: AccessOptions): MiddlewareHandler {
  // Clients send the same few Host values over and over: their verdicts are remembered per allowed
  // list (a reload brings a new list, and with it a new cache).
  let verdicts = new Map<string, boolean>();
  let verdictsFor: readonly string[] | undefined;
  return function accessGuardMiddleware(c, next) {
    // Node's server always has a Host header (HTTP/1.1 requires one); an in-process request has
    // only its URL.
    const header = c.req.header('host') ?? new URL(c.req.url).host;
    const hosts = allowedHosts();
    if (hosts !== verdictsFor) {
      verdicts = new Map();
      verdictsFor = hosts;
    }
    let ok = verdicts.get(header);
    if (ok === undefined) {
      ok = hostAllowed(header, hosts);
      if (verdicts.size < HOST_CACHE_SIZE) verdicts.set(header, ok);
    }
    if (!ok) {
      throw new GatewayError(
        'permission_denied',
        `Requests addressed to host "${hostName(header)}" are not accepted; add it to server.allowedHosts to allow it.`,
      );
    }
    const origin = c.req.header('origin');
    // Most callers are not browsers: no Origin, nothing more to do.
    if (origin === undefined) return next();
    const origins = allowedOrigins();
    if (!origins.includes('*') && !origins.includes(origin.toLowerCase())) {
      throw new GatewayError(
        'permission_denied',
        `Requests from web pages of origin "${origin}" are not accepted; add it to server.allowedOrigins to allow it.`,
      );
    }
    const cors = { 'access-control-allow-origin': origin, vary: 'Origin' };
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method')) {
      return Promise.resolve(
        c.body(null, 204, {
          ...cors,
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': c.req.header('access-control-request-headers') ?? 'authorization, content-type',
          'access-control-max-age': '600',
        }),
      );
    }
    return next().then(() => {
      for (const [k, v] of Object.entries({ ...cors, 'access-control-expose-headers': EXPOSED_HEADERS })) c.res.headers.set(k, v);
    });
  };
}

/** Response headers a browser client may read: ids, routing and rate limits. */
const EXPOSED_HEADERS = ['x-request-id', 'x-aegis-model', 'x-aegis-upstream', 'x-aegis-decision-id', 'retry-after', ...RATE_LIMIT_HEADERS].join(', ');
