import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { inProcessApp } from '../../../helpers/app';

// ajv resolves `$dynamicRef: "#meta"` to the document root instead of the `meta` anchor; in this
// schema (the one without the dialect) that anchor is `$defs/schema`, so a plain `$ref` is the same.
const oas31 = JSON.parse(
  readFileSync(new URL('../../../fixtures/openapi/oas-3.1-schema-2022-10-07.json', import.meta.url), 'utf8').replaceAll(
    '"$dynamicRef": "#meta"',
    '"$ref": "#/$defs/schema"',
  ),
);

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>>; components: { schemas: Record<string, object> } };

async function documentOf(app: Hono): Promise<Doc> {
  const res = await app.request('/openapi.json');
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every documented (method, path), with a concrete URL for the path ({x} → a sample value). */
function documented(doc: Doc): { method: string; path: string; url: string }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((method) => ({ method: method.toUpperCase(), path, url: path.replace(/\{(\w+)\}/g, 'sample') })),
  );
}

/** Whether Hono's router sends `method url` to the registration `method path` (ALL takes any). */
async function routes(method: string, path: string, op: { method: string; url: string }): Promise<boolean> {
  const probe = new Hono();
  probe.on(method === 'ALL' ? ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'] : [method], path, (c) => c.text('hit'));
  const res = await probe.request(op.url, { method: op.method });
  return res.status === 200 && (await res.text()) === 'hit';
}

/** Registrations that are routes: `use()` middleware shows as ALL on wildcard or handled paths. */
function registeredRoutes(app: Hono) {
  const handled = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => r.path));
  return app.routes.filter((r) => r.method !== 'ALL' || !(r.path.includes('*') || handled.has(r.path)));
}

describe('GET /openapi.json', () => {
  it('validates against the official OpenAPI 3.1 schema', async () => {
    const doc = await documentOf(inProcessApp().app);
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const valid = ajv.validate(oas31, doc);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('has a validator that refuses a broken document', async () => {
    const doc = await documentOf(inProcessApp().app);
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const broken = structuredClone(doc) as Doc;
    (broken.paths['/v1/models']!.get as Record<string, unknown>).responses = { 200: { content: {} } };
    expect(ajv.validate(oas31, broken)).toBe(false);
  });

  it('gives every component schema as valid JSON Schema 2020-12', async () => {
    const doc = await documentOf(inProcessApp().app);
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ components: doc.components }, 'doc');
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => ajv.compile({ $ref: `doc#/components/schemas/${name}` }), name).not.toThrow();
    }
  });

  it('documents every route the app registers (method and path)', async () => {
    const { app } = inProcessApp();
    const doc = await documentOf(app);
    const ops = documented(doc);
    const missing: string[] = [];
    for (const r of registeredRoutes(app)) {
      const found = await Promise.all(ops.map((op) => (r.method === 'ALL' || op.method === r.method ? routes(r.method, r.path, op) : false)));
      if (!found.includes(true)) missing.push(`${r.method} ${r.path}`);
    }
    expect(missing).toEqual([]);
    // And every route from the catalogue, not the undocumented fallback.
    const undocumented = ops.filter((op) => doc.paths[op.path]![op.method.toLowerCase()]!['x-aegis-undocumented']);
    expect(undocumented).toEqual([]);
  });

  it('documents nothing the app does not serve', async () => {
    const { app } = inProcessApp();
    const doc = await documentOf(app);
    const phantom: string[] = [];
    for (const op of documented(doc)) {
      const found = await Promise.all(registeredRoutes(app).map((r) => (r.method === 'ALL' || r.method === op.method ? routes(r.method, r.path, op) : false)));
      if (!found.includes(true)) phantom.push(`${op.method} ${op.path}`);
    }
    expect(phantom).toEqual([]);
  });

  it('documents /mcp once the app mounts it, and an uncatalogued route as undocumented', async () => {
    const { app } = inProcessApp();
    app.all('/mcp', (c) => c.json({}));
    app.get('/v1/unheard-of', (c) => c.json({}));
    const doc = await documentOf(app);
    expect(Object.keys(doc.paths['/mcp'] ?? {}).sort()).toEqual(['delete', 'get', 'post']);
    expect(doc.paths['/v1/unheard-of']?.get?.['x-aegis-undocumented']).toBe(true);
  });

  it('takes request bodies from the zod schemas the routes validate with', async () => {
    const doc = await documentOf(inProcessApp().app);
    const chat = doc.components.schemas.ChatCompletionRequest as { required: string[]; properties: Record<string, unknown> };
    expect(chat.required).toEqual(expect.arrayContaining(['model', 'messages']));
    const post = doc.paths['/v1/chat/completions']!.post as { requestBody: unknown };
    expect(post.requestBody).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/ChatCompletionRequest' } } } });
  });

  it("lists every error status a door answers in its envelope: OpenAI's, Anthropic's on /v1/messages", async () => {
    const doc = await documentOf(inProcessApp().app);
    const chat = doc.paths['/v1/chat/completions']!.post!.responses as Record<string, { $ref: string }>;
    expect(Object.keys(chat)).toEqual(['200', '400', '401', '403', '404', '405', '413', '415', '429', '500', '502', '503', '504']);
    expect(chat['429']!.$ref).toBe('#/components/responses/Error429');
    const messages = doc.paths['/v1/messages']!.post!.responses as Record<string, { $ref: string }>;
    expect(Object.keys(messages)).toContain('529');
    expect(Object.keys(messages)).not.toContain('503');
    expect(messages['400']!.$ref).toBe('#/components/responses/AnthropicError400');
  });

  it('documents the x-aegis headers and the aegis body extensions', async () => {
    const doc = await documentOf(inProcessApp().app);
    const text = JSON.stringify(doc);
    for (const name of [
      'x-aegis-model',
      'x-aegis-upstream',
      'x-aegis-decision-id',
      'x-aegis-context',
      'x-aegis-truncate',
      'x-aegis-dropped-tools',
      'x-aegis-max-tokens-clamped',
      'aegis_context',
      'aegis_tool_calls',
      'x-ratelimit-remaining-tokens',
      'retry-after',
    ]) {
      expect(text, name).toContain(name);
    }
  });
});
