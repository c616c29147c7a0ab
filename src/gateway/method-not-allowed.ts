// A known path asked with the wrong method answers 405 with `Allow`, not 404: a client that GETs
// /v1/chat/completions learns its mistake instead of looking for a missing route.
import type { Hono } from 'hono';
import { GatewayError } from '../core';

/** Registers a 405 handler on every route path; call after the routes themselves. */
export function methodNotAllowed(app: Hono): void {
  const allowed = new Map<string, Set<string>>();
  for (const { method, path } of app.routes) {
    // Middleware registrations (`use`) show up as method ALL.
    if (method === 'ALL') continue;
    const set = allowed.get(path) ?? new Set<string>();
    set.add(method);
    if (method === 'GET') set.add('HEAD');
    allowed.set(path, set);
  }
  for (const [path, methods] of allowed) {
    const allow = [...methods].sort().join(', ');
    app.all(path, (c) => {
      throw new GatewayError('method_not_allowed', `Method ${c.req.method} is not allowed on ${c.req.path}; use ${allow}.`, { headers: { allow } });
    });
  }
}
