import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core';
import { capText, exposedToolName, mcpConfigSchema, renderResult, splitRequestTools, toolParameters } from '../../../src/mcp';

describe('exposedToolName', () => {
  it('names a tool mcp__server__tool when that is a valid OpenAI function name', () => {
    expect(exposedToolName('everything', 'get-sum')).toBe('mcp__everything__get-sum');
  });

  it('adds a stable hash when the name had to change or is too long, staying within 64 valid characters', () => {
    const dotted = exposedToolName('fs', 'files.read');
    expect(dotted).toMatch(/^mcp__fs__files_read_[0-9a-f]{8}$/);
    expect(exposedToolName('fs', 'files.read')).toBe(dotted);
    expect(exposedToolName('fs', 'files_read')).toBe('mcp__fs__files_read');
    const long = exposedToolName('server', 't'.repeat(120));
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(long).not.toBe(exposedToolName('server', `${'t'.repeat(119)}u`));
  });
});

describe('toolParameters', () => {
  it('inlines local $refs, drops $schema and keeps property names that look like keywords', () => {
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { point: { $ref: '#/$defs/Point' }, definitions: { type: 'string' } },
      $defs: { Point: { type: 'object', properties: { x: { type: 'number' } } } },
    };
    expect(toolParameters(schema)).toEqual({
      type: 'object',
      properties: { point: { type: 'object', properties: { x: { type: 'number' } } }, definitions: { type: 'string' } },
    });
  });

  it('always yields an object schema, and ends cyclic refs instead of recursing forever', () => {
    expect(toolParameters({})).toEqual({ type: 'object', properties: {} });
    const cyclic = {
      type: 'object',
      properties: { node: { $ref: '#/$defs/N' } },
      $defs: { N: { type: 'object', properties: { next: { $ref: '#/$defs/N' } } } },
    };
    expect(JSON.stringify(toolParameters(cyclic)).length).toBeLessThan(2_000);
  });
});

describe('renderResult', () => {
  it('joins text, summarises images and resources, and adds structured content once', () => {
    const r = renderResult(
      {
        content: [
          { type: 'text', text: 'Here it is:' },
          { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
          { type: 'resource', resource: { uri: 'file:///a.txt', text: 'alpha' } },
          { type: 'resource_link', uri: 'file:///b', name: 'b' },
          { type: 'text', text: '{"t":1}' },
        ],
        structuredContent: { t: 1 },
      },
      1_000,
    );
    expect(r.text).toBe('Here it is:\n[image image/png, 8 bytes, not shown]\n[resource file:///a.txt]\nalpha\n[resource link file:///b "b"]\n{"t":1}');
    expect(renderResult({ content: [], structuredContent: { a: [1] } }, 1_000).text).toBe('{"a":[1]}');
  });

  it('marks tool errors for the model', () => {
    expect(renderResult({ content: [{ type: 'text', text: 'no such file' }], isError: true }, 100)).toEqual({
      text: 'Error: no such file',
      fullLength: 19,
      isError: true,
    });
  });

  it('caps without splitting a surrogate pair', () => {
    const text = '😀'.repeat(500);
    const capped = capText(text, 300);
    expect(capped.length).toBeLessThanOrEqual(300);
    expect(capped).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('splitRequestTools', () => {
  const url = (s: string) => (s === 'remote' ? 'http://127.0.0.1:9/mcp' : undefined);

  it('separates MCP servers from the client tools and merges repeated servers', () => {
    const fn = { type: 'function', function: { name: 'mine' } };
    const split = splitRequestTools(
      [
        fn,
        { type: 'mcp', server_label: 'a', allowed_tools: ['x'] },
        { type: 'mcp', server_label: 'a', allowed_tools: { tool_names: ['y'] } },
        { type: 'mcp', server_label: 'b' },
      ],
      url,
    );
    expect(split.tools).toEqual([fn]);
    expect(split.servers).toEqual([
      { server: 'a', allowedTools: ['x', 'y'], index: 1 },
      { server: 'b', allowedTools: undefined, index: 3 },
    ]);
  });

  it('refuses approval requests and URLs Aegis was not configured with (400)', () => {
    const refuse = (entry: Record<string, unknown>) => {
      try {
        splitRequestTools([{ type: 'mcp', server_label: 'remote', ...entry }], url);
      } catch (err) {
        return err instanceof GatewayError ? [err.status, err.param] : err;
      }
      return 'accepted';
    };
    expect(refuse({ require_approval: 'always' })).toEqual([400, 'tools[0].require_approval']);
    expect(refuse({ server_url: 'http://169.254.169.254/' })).toEqual([400, 'tools[0].server_url']);
    expect(refuse({ server_url: 'http://127.0.0.1:9/mcp', require_approval: 'never' })).toBe('accepted');
  });
});

describe('mcpConfigSchema', () => {
  it('takes stdio and HTTP servers with defaults and refuses ambiguous ones', () => {
    const c = mcpConfigSchema.parse({
      servers: [
        { name: 'local', command: ['node', 'server.js'] },
        { name: 'remote', url: 'http://127.0.0.1:3001/mcp' },
      ],
    });
    expect(c.maxRounds).toBe(5);
    expect(c.servers[1]).toMatchObject({ transport: 'auto', headers: {} });
    expect(mcpConfigSchema.safeParse({ servers: [{ name: 'a__b', command: ['x'] }] }).success).toBe(false);
    expect(mcpConfigSchema.safeParse({ servers: [{ name: 'a', command: 'node server.js' }] }).success).toBe(false);
    expect(
      mcpConfigSchema.safeParse({
        servers: [
          { name: 'a', command: ['x'] },
          { name: 'a', url: 'http://x/' },
        ],
      }).success,
    ).toBe(false);
  });
});

describe('the mcp section in aegis.yaml', () => {
  it('names the path of a bad server entry', async () => {
    const { parseConfig, ConfigError } = await import('../../../src/config');
    expect(() => parseConfig('mcp:\n  servers:\n    - name: files\n      command: node server.js\n')).toThrow(ConfigError);
    expect(() => parseConfig('mcp:\n  servers:\n    - name: files\n      command: node server.js\n')).toThrow(/mcp\.servers\[0\]/);
    expect(parseConfig('').mcp).toMatchObject({ servers: [], maxRounds: 5 });
  });
});
