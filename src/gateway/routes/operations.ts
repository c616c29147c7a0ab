// Health, readiness, Prometheus exposition and the admin API (model state, load, unload).
import type { Hono } from 'hono';
import { GatewayError } from '../../core';
import type { GatewayDeps } from '../deps';
import { requireRole } from '../middleware/auth';
import { resolveModel } from '../stages/resolve';

export function publicOperationRoutes(app: Hono, deps: GatewayDeps): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    const result = deps.ready ? await deps.ready() : { ready: true, checks: {} };
    return c.json({ status: result.ready ? 'ready' : 'not_ready', checks: result.checks }, result.ready ? 200 : 503);
  });

  app.get('/metrics', async (c) => {
    const { contentType, body } = await deps.metrics.exposition();
    return c.body(body, 200, { 'content-type': contentType });
  });
}

export function adminRoutes(app: Hono, deps: GatewayDeps): void {
  app.use('/admin/*', requireRole('admin'));

  app.get('/admin/ps', (c) => {
    if (!deps.admin) throw new GatewayError('not_found', 'The scheduler is not enabled.');
    return c.json(deps.admin.ps() as object);
  });

  app.post('/admin/models/*', async (c) => {
    const match = /^\/admin\/models\/(.+)\/(load|unload)$/.exec(c.req.path);
    if (!match) throw new GatewayError('not_found', `Unknown request URL: POST ${c.req.path}.`);
    if (!deps.admin) throw new GatewayError('not_found', 'The scheduler is not enabled.');
    const entry = resolveModel(deps.snapshot(), modelInPath(match[1]!));
    const audit = (outcome: 'ok' | 'error', details?: Record<string, unknown>) =>
      deps.audit?.({
        type: `model.${match[2]}`,
        actor: c.get('principal').id,
        target: `${entry.name}@${entry.version}`,
        outcome,
        requestId: c.get('requestId'),
        details,
      });
    let result: unknown;
    try {
      result = match[2] === 'load' ? await deps.admin.load(entry) : await deps.admin.unload(entry);
    } catch (err) {
      audit('error', { message: (err as Error).message });
      throw err;
    }
    audit('ok');
    return c.json({ model: entry.name, version: entry.version, action: match[2], result });
  });
}

/** The model name of an admin path; a malformed escape (`%zz`) is the client's error, not a 500. */
function modelInPath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new GatewayError('invalid_request', `The model name in the path is not valid percent-encoding: "${segment}".`);
  }
}
