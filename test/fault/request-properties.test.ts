// Property tests of the HTTP surface, in process: arbitrary bodies and headers on every route never
// give a 5xx, and every refusal comes in the route's error envelope (Anthropic's on /v1/messages,
// OpenAI's everywhere else). Streams that succeed are well-formed SSE with no error event.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromAddress, inProcessApp, scriptedUpstream } from '../helpers/app';
import { emptySchedulerSnapshot, modelEntry } from '../unit/gateway/fixtures';
import type { AdminOps } from '../../src/gateway';

// Modest: the suite's time matters more than the last rare input; a failure prints its seed.
const numRuns = Number(process.env.AEGIS_FUZZ_RUNS ?? 60);

function harness() {
  const upstream = scriptedUpstream();
  const chat = upstream.chat.bind(upstream);
  // Answers each request in the form it asked for: a stream or a whole completion.
  upstream.chat = (request, ctx) => {
    upstream.script = request.stream ? { kind: 'stream', deltas: ['o', 'k'] } : { kind: 'whole', content: 'ok' };
    return chat(request, ctx);
  };
  const admin: AdminOps = {
    ps: emptySchedulerSnapshot,
    load: async () => ({}),
    unload: async () => ({}),
  };
  const { app } = inProcessApp({
    upstream,
    admin,
    options: { anonymous: { allowed: true, admin: true } },
    models: [
      modelEntry(),
      modelEntry({ name: 'e', upstreamModel: 'e', capabilities: { chat: false, completion: false, embeddings: true, tools: 'none', vision: false } }),
    ],
  });
  return app;
}

const printable = (max: number) => fc.stringMatching(new RegExp(`^[ -~]{0,${max}}$`));
const anything = fc.jsonValue({ maxDepth: 3 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const role = fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function', 'bogus', '');
const part = fc.oneof(
  fc.record({ type: fc.constantFrom('text', 'input_text', 'image_url', 'image', 'tool_result', 'bogus'), text: maybe(fc.oneof(fc.string(), anything)) }),
  anything,
);
const content = fc.oneof(fc.string({ maxLength: 30 }), fc.array(part, { maxLength: 3 }), anything);
const message = fc.oneof(
  fc.record({ role, content: maybe(content), name: maybe(anything), tool_calls: maybe(anything), tool_call_id: maybe(anything) }, { requiredKeys: ['role'] }),
  anything,
);
const tool = fc.oneof(
  fc.record({
    type: fc.constantFrom('function', 'custom', 'bogus'),
    function: maybe(fc.record({ name: fc.oneof(fc.string(), anything), parameters: maybe(anything) })),
  }),
  fc.record({ name: fc.string(), input_schema: maybe(anything), description: maybe(anything) }),
  anything,
);

/** Bodies shaped like each API's requests, with every field free to be wrong in type or value. */
const shapedBody = fc
  .record(
    {
      model: fc.oneof(fc.constantFrom('m', 'e', 'm@1', 'nope', ''), anything),
      messages: fc.oneof(fc.array(message, { maxLength: 4 }), anything),
      input: fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.oneof(fc.string(), message, fc.integer()), { maxLength: 3 }), anything),
      prompt: fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.string(), { maxLength: 3 }), anything),
      stream: fc.oneof(fc.boolean(), anything),
      max_tokens: fc.oneof(fc.integer({ min: -5, max: 100_000 }), anything),
      temperature: fc.oneof(fc.double({ noNaN: true }), anything),
      tools: fc.oneof(fc.array(tool, { maxLength: 3 }), anything),
      tool_choice: fc.oneof(fc.constantFrom('auto', 'none', 'required', 'any'), anything),
      system: fc.oneof(fc.string(), fc.array(part, { maxLength: 2 }), anything),
      instructions: fc.oneof(fc.string(), anything),
      encoding_format: fc.oneof(fc.constantFrom('float', 'base64', 'bogus'), anything),
      stream_options: fc.oneof(fc.record({ include_usage: fc.oneof(fc.boolean(), anything) }), anything),
      previous_response_id: fc.oneof(fc.string(), anything),
    },
    { requiredKeys: [] },
  )
  .map((b) => JSON.stringify(b));

const body = fc.oneof(
  { weight: 6, arbitrary: shapedBody },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  // Truncated JSON: a body cut anywhere.
  { weight: 1, arbitrary: fc.tuple(shapedBody, fc.nat()).map(([b, n]) => b.slice(0, n % (b.length + 1))) },
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  '',
);

const headers = fc.record(
  {
    'content-type': fc.oneof(contentType, printable(30)),
    authorization: fc.oneof(fc.constant('Bearer none'), printable(40)),
    'x-api-key': printable(40),
    'anthropic-version': fc.oneof(fc.constant('2023-06-01'), printable(12)),
    origin: fc.oneof(fc.constantFrom('http://localhost:3000', 'http://127.0.0.1', 'https://evil.example', 'null'), printable(30)),
    'x-request-id': printable(80),
    accept: fc.constantFrom('application/json', 'text/event-stream', '*/*'),
  },
  { requiredKeys: [] },
);

interface OpenAIEnvelope {
  error: { message: unknown; type: unknown; param: unknown; code: unknown };
}

/** What a client may rely on, for any response. */
async function checkResponse(path: string, res: Response): Promise<void> {
  expect(res.status, `${path} answered ${res.status}`).toBeLessThan(500);
  const text = await res.text();
  if (res.status >= 400) {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (path.startsWith('/v1/messages')) {
      expect(parsed).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
    } else {
      const { error } = parsed as unknown as OpenAIEnvelope;
      expect(typeof error.message).toBe('string');
      expect(typeof error.type).toBe('string');
      expect('param' in error && (error.param === null || typeof error.param === 'string')).toBe(true);
      expect(error.code === null || typeof error.code === 'string').toBe(true);
    }
    return;
  }
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    for (const block of text.split('\n\n')) {
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      if (data === '' || data === '[DONE]') continue;
      const event = JSON.parse(data) as { error?: unknown; type?: string };
      expect(event.error, `an error event in a stream: ${data}`).toBeUndefined();
      expect(event.type).not.toBe('response.failed');
    }
  }
}

const postRoutes = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/responses', '/v1/messages', '/v1/messages/count_tokens'];

describe('every route, arbitrary input', () => {
  const app = harness();

  it.each(postRoutes)('POST %s: arbitrary bodies never give a 5xx, and refusals use the envelope', async (path) => {
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b }, fromAddress('127.0.0.1'));
        await checkResponse(path, res);
      }),
      { numRuns },
    );
  });

  it.each(postRoutes)('POST %s: arbitrary headers never give a 5xx, and refusals use the envelope', async (path) => {
    const valid = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], input: 'hi', prompt: 'hi', max_tokens: 5 });
    await fc.assert(
      fc.asyncProperty(headers, body, fc.boolean(), async (h, b, validBody) => {
        const res = await app.request(path, { method: 'POST', headers: h, body: validBody ? valid : b }, fromAddress('127.0.0.1'));
        await checkResponse(path, res);
      }),
      { numRuns },
    );
  });

  const paths = fc.oneof(
    fc.constantFrom('/v1/models', '/admin/ps', '/healthz', '/readyz', '/metrics', '/v1/responses/resp_x', '/v1/responses/resp_x/input_items'),
    fc.tuple(fc.constantFrom('/v1/models/', '/admin/models/', '/v1/responses/', '/v1/', '/'), fc.webPath()).map(([a, b]) => a + b.replace(/^\//, '')),
    fc
      .tuple(fc.constantFrom('/admin/models/'), fc.stringMatching(/^[A-Za-z0-9._@%-]{0,20}$/), fc.constantFrom('/load', '/unload', '/bogus', ''))
      .map((p) => p.join('')),
  );

  it('any method on any path (models, admin, operations): never a 5xx, refusals in the OpenAI envelope', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'), paths, headers, maybe(body), async (method, path, h, b) => {
        const withBody = method !== 'GET' && method !== 'HEAD' && b !== undefined;
        const res = await app.request(path, { method, headers: h, body: withBody ? b : undefined }, fromAddress('127.0.0.1'));
        if (method === 'HEAD') expect(res.status).toBeLessThan(500);
        else await checkResponse(path, res);
      }),
      { numRuns: numRuns * 2 },
    );
  });
});
