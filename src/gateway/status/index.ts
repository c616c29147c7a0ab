// GET /status (a live page for people) and GET /status.json (what it polls). With keys configured
// both need the admin role, as /admin does; without keys, loopback callers may look.
import type { Hono, MiddlewareHandler } from 'hono';
import { every } from 'hono/combine';
import { GatewayError } from '../../core';
import type { GatewayDeps } from '../deps';
import { errorResponse } from '../errors';
import { requireRole } from '../middleware/auth';
import { statusDocument } from './document';
import { loadStatusPage } from './page';
import type { RecentErrors } from './recent-errors';

export { RecentErrors, type RecentError } from './recent-errors';
export { statusDocument, type StatusDocument, type StatusModel } from './document';
export { statusPage, type StatusPage } from './page';

export interface StatusRouteOptions {
  /** Authentication that also takes the key as a Basic password (a browser's login prompt). */
  authenticate: MiddlewareHandler;
  errors: RecentErrors;
}

export function statusRoutes(app: Hono, deps: GatewayDeps, { authenticate, errors }: StatusRouteOptions): void {
  const startedAt = deps.clock.now();
  const admin = requireRole('admin');
  const guard = every(authenticate, (c, next) => (deps.snapshot().keys.size > 0 ? admin(c, next) : next()));
  const guarded: MiddlewareHandler = async function statusGuard(c, next) {
    try {
      await guard(c, next);
    } catch (err) {
      // The browser shows its login prompt on this challenge; the user types the key as password.
      if (err instanceof GatewayError && err.status === 401) {
        const res = errorResponse(c, err);
        res.headers.set('www-authenticate', 'Basic realm="Aegis status", charset="UTF-8"');
        return res;
      }
      throw err;
    }
  };
  app.use('/status', guarded);
  app.use('/status.json', guarded);
  app.get('/status', (c) => {
    const page = loadStatusPage();
    return c.body(page.html, 200, page.headers);
  });
  app.get('/status.json', async (c) => c.json(await statusDocument(deps, errors.list(), startedAt), 200, { 'cache-control': 'no-store' }));
}
