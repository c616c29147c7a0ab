// createApp(deps): the Hono application with every route and middleware, built from its deps.
import { Hono } from 'hono';
import type { GatewayDeps } from './deps';
import { notFound, onError } from './errors';
import { auth } from './middleware/auth';
import { requestId } from './middleware/request-id';
import { inferenceRoutes } from './routes/inference';
import { modelRoutes } from './routes/models';
import { adminRoutes, publicOperationRoutes } from './routes/operations';

export function createApp(deps: GatewayDeps): Hono {
  const app = new Hono();
  app.use('*', requestId({ now: () => deps.clock.now() }));
  publicOperationRoutes(app, deps);
  const authenticate = auth({ keys: () => deps.keys, allowAnonymous: () => deps.options.allowAnonymous, logger: deps.logger });
  app.use('/v1/*', authenticate);
  app.use('/admin/*', authenticate);
  inferenceRoutes(app, deps);
  modelRoutes(app, deps);
  adminRoutes(app, deps);
  app.onError(onError(deps.logger));
  app.notFound(notFound);
  return app;
}
