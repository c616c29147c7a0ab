// createApp(deps): the Hono application with every route and middleware, built from its deps.
import { Hono } from 'hono';
import type { GatewayDeps } from './deps';
import { notFound, onError } from './errors';
import { AuthFailureCounter } from './auth-failures';
import { methodNotAllowed } from './method-not-allowed';
import { accessGuard } from './middleware/access';
import { auth } from './middleware/auth';
import { requestId } from './middleware/request-id';
import { inferenceRoutes } from './routes/inference';
import { modelRoutes } from './routes/models';
import { adminRoutes, publicOperationRoutes } from './routes/operations';

export function createApp(deps: GatewayDeps): Hono {
  const app = new Hono();
  app.use('*', requestId({ now: () => deps.clock.now() }));
  app.use('*', accessGuard({ allowedHosts: () => deps.options.allowedHosts, allowedOrigins: () => deps.options.allowedOrigins }));
  publicOperationRoutes(app, deps);
  const failures = new AuthFailureCounter({
    clock: deps.clock,
    report: ({ address, reason, count, path, requestId }) => {
      deps.logger.warn({ requestId, address, path, reason, failures: count }, 'request without a valid API key refused');
      deps.audit?.({ type: 'auth.failure', actor: address, target: path, outcome: 'deny', requestId, details: { reason, failures: count } });
    },
  });
  const authenticate = auth({
    keys: () => deps.keys,
    anonymous: () => deps.options.anonymous,
    operator: () => deps.operator,
    failures: {
      record(failure) {
        deps.metrics.authFailures.inc({ reason: failure.reason });
        failures.record(failure);
      },
    },
  });
  app.use('/v1/*', authenticate);
  app.use('/admin/*', authenticate);
  inferenceRoutes(app, deps);
  modelRoutes(app, deps);
  adminRoutes(app, deps);
  methodNotAllowed(app);
  app.onError(onError(deps.logger));
  app.notFound(notFound);
  return app;
}
