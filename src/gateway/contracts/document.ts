// The OpenAPI 3.1 document of the routes an app has registered: each registration is looked up in
// the catalogue; one the catalogue lacks still appears, marked `x-aegis-undocumented`, so the
// document never hides a route (and the contract test names it).
import { CATALOGUE, type PathOperations } from './catalogue';
import { bodySchemas } from './bodies';
import { errorComponents } from './errors';
import { headerComponents, parameterComponents, securitySchemes } from './headers';
import type { JsonSchema } from './json-schema';

/** A registration as Hono lists it in `app.routes`. */
export interface RegisteredRoute {
  method: string;
  path: string;
}

export interface OpenApiOptions {
  /** The gateway's version (info.version). */
  version?: string;
}

/** `/v1/models/:id{.+}` → `/v1/models/{id}`; a `*` becomes a `{path}` parameter. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}').replace(/\*/g, '{path}');
}

/**
 * The catalogue key of a registration, or undefined for middleware: `use()` registers method ALL,
 * on wildcard paths or on paths that also have real handlers; an ALL registration alone on a plain
 * path (`app.all('/mcp')`) is a route.
 */
function routeKey(route: RegisteredRoute, handled: ReadonlySet<string>): string | undefined {
  if (route.method !== 'ALL') return `${route.method} ${route.path}`;
  if (route.path.includes('*') || handled.has(route.path)) return undefined;
  return `ALL ${route.path}`;
}

function undocumented(route: RegisteredRoute): PathOperations {
  const methods = route.method === 'ALL' ? ['get', 'post', 'delete'] : [route.method.toLowerCase()];
  const op = {
    summary: `${route.method} ${route.path}`,
    description: 'Registered by the gateway but not described in src/gateway/contracts/catalogue.ts.',
    'x-aegis-undocumented': true,
    responses: { default: { description: 'Unknown.' } },
  };
  return { [openApiPath(route.path)]: Object.fromEntries(methods.map((m) => [m, op])) };
}

/** The paths object for `routes`, in registration order. */
export function documentedPaths(routes: readonly RegisteredRoute[]): Record<string, Record<string, unknown>> {
  const handled = new Set(routes.filter((r) => r.method !== 'ALL').map((r) => r.path));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const key = routeKey(route, handled);
    if (key === undefined) continue;
    for (const [path, operations] of Object.entries(CATALOGUE[key] ?? undocumented(route))) {
      paths[path] = { ...paths[path], ...operations };
    }
  }
  return paths;
}

export function openApiDocument(routes: readonly RegisteredRoute[], { version = '0.0.0' }: OpenApiOptions = {}): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Aegis',
      version,
      summary: 'Self-hosted OpenAI-compatible gateway for local AI runtimes.',
      description:
        'Errors use OpenAI’s envelope `{"error":{"message","type","param","code"}}` (Anthropic’s on /v1/messages). A failure after a stream started arrives as an SSE error event (then `data: [DONE]` on the OpenAI routes). Models are addressed as `name`, an alias, or `name@version`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [
      { name: 'OpenAI-compatible', description: 'The OpenAI API as local runtimes serve it.' },
      { name: 'Agent APIs', description: 'OpenAI Responses and Anthropic Messages, translated onto chat.' },
      { name: 'Operations', description: 'Health, readiness, metrics, status.' },
      { name: 'Admin', description: 'The admin role (or the local operator token).' },
      { name: 'MCP', description: 'Aegis as an MCP server.' },
    ],
    paths: documentedPaths(routes),
    components: {
      schemas: bodySchemas(),
      responses: errorComponents(),
      headers: headerComponents,
      parameters: parameterComponents,
      securitySchemes,
    },
  };
}
