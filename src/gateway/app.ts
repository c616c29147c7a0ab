// createApp(deps): the Hono application with every route and middleware, built from its deps.
import { Hono } from 'hono';
import { every } from 'hono/combine';
import { AuthFailureCounter } from './auth-failures';
import { openApiRoute } from './contracts';
import type { GatewayDeps } from './deps';
import { notFound, onError } from './errors';
import { methodNotAllowed } from './method-not-allowed';
import { accessGuard } from './middleware/access';
import { auth, requireRole, type AuthOptions } from './middleware/auth';
import { requestId } from './middleware/request-id';
import { MemoryResponseStore } from './agents/response-store';
import { withMemoryServer } from './mcp-endpoint/memory-server';
import { mcpEndpointRoutes } from './mcp-endpoint/route';
import { inferenceRoutes } from './routes/inference';
import { anthropicErrors, messagesRoutes } from './routes/messages';
import { modelRoutes } from './routes/models';
import { responsesRoutes } from './routes/responses';
import { adminRoutes, publicOperationRoutes } from './routes/operations';
import { metricsSink, promptLogSink } from './sinks';
import { RecentErrors, statusRoutes } from './status';

export function createApp(given: GatewayDeps): Hono {
  // The organisation's memory joins the MCP servers models may use, as the built-in server `aegis`.
  const deps: GatewayDeps = given.memory ? { ...given, mcp: withMemoryServer(given.mcp, given.memory, () => given.clock.now()) } : given;
  const app = new Hono();
  const options = () => deps.snapshot().options;
  app.use('*', requestId({ now: () => deps.clock.now() }));
  // Before the Host/Origin guard and authentication, so that a refused origin or key on
  // /v1/messages is told in Anthropic's terms too (its SDKs read no other envelope).
  app.use('/v1/messages', anthropicErrors());
  app.use('/v1/messages/*', anthropicErrors());
  app.use('*', accessGuard({ allowedHosts: () => options().allowedHosts, allowedOrigins: () => options().allowedOrigins }));
  const failures = new AuthFailureCounter({
    clock: deps.clock,
    report: ({ address, reason, count, path, requestId }) => {
      deps.logger.warn({ requestId, address, path, reason, failures: count }, 'request without a valid API key refused');
      deps.audit?.({ type: 'auth.failure', actor: address, target: path, outcome: 'deny', requestId, details: { reason, failures: count } });
    },
  });
  const authOptions: AuthOptions = {
    keys: () => deps.snapshot().keys,
    anonymous: () => options().anonymous,
    operator: () => deps.operator,
    failures: {
      record(failure) {
        deps.metrics.authFailures.inc({ reason: failure.reason });
        failures.record(failure);
      },
    },
  };
  const authenticate = auth(authOptions);
  // Prometheus scrapes with a key of its own (role `metrics`) when the operator asks for one.
  const scrapeAuth = every(authenticate, requireRole('admin', 'metrics'));
  app.use('/metrics', (c, next) => (options().metricsRequireKey ? scrapeAuth(c, next) : next()));
  publicOperationRoutes(app, deps);
  // Public like /healthz: it says what the gateway serves, nothing about who uses it.
  openApiRoute(app);
  app.use('/v1/*', authenticate);
  app.use('/admin/*', authenticate);
  if (deps.mcpEndpoint !== false) app.use('/mcp', authenticate);
  // The gateway's own metrics hear of an exchange first; then whatever the composition root added.
  const recentErrors = new RecentErrors();
  const sinks = [metricsSink(deps.metrics), recentErrors, promptLogSink(deps.logger, () => options().logPrompts), ...(deps.sinks ?? [])];
  const target = { deps, sinks };
  inferenceRoutes(app, target);
  responsesRoutes(app, target, deps.responseStore ?? new MemoryResponseStore({ clock: deps.clock }));
  messagesRoutes(app, target);
  if (deps.mcpEndpoint !== false) mcpEndpointRoutes(app, target, deps.mcpEndpoint ?? {});
  // A person opens the status page in a browser: the key may come as Basic credentials.
  statusRoutes(app, deps, { authenticate: auth({ ...authOptions, basic: true }), errors: recentErrors });
  modelRoutes(app, deps);
  adminRoutes(app, deps);
  methodNotAllowed(app);
  app.onError(onError(deps.logger));
  app.notFound(notFound);
  return app;
}
