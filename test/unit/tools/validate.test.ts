// Tool schemas in each dialect clients declare, and the coercing second chance.
import { describe, expect, it } from 'vitest';
import { argumentValidator } from '../../../src/tools/validate';

describe('argumentValidator', () => {
  it('reads a 2020-12 schema as 2020-12 (Claude Code declares it)', () => {
    const v = argumentValidator({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false } },
      required: ['pair'],
    });
    expect(v.check({ pair: ['a', 1] })).toEqual({ ok: true, value: { pair: ['a', 1] }, coerced: false });
    expect(v.check({ pair: ['a', 1, 2] }).ok).toBe(false);
  });

  it('reads a 2019-09 schema as 2019-09', () => {
    const v = argumentValidator({
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      type: 'object',
      properties: { a: { type: 'string' } },
      unevaluatedProperties: false,
    });
    expect(v.check({ a: 'x' }).ok).toBe(true);
    expect(v.check({ a: 'x', b: 1 }).ok).toBe(false);
  });

  it('reads draft-07, no $schema and an unknown $schema as draft-07', () => {
    for (const $schema of ['http://json-schema.org/draft-07/schema#', undefined, 'http://json-schema.org/draft-04/schema#']) {
      const v = argumentValidator({ ...($schema ? { $schema } : {}), type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
      expect(v.check({ n: 3 })).toMatchObject({ ok: true, coerced: false });
      expect(v.check({})).toEqual({ ok: false, reason: "arguments must have required property 'n'" });
    }
  });

  it('accepts what coercion makes valid, counted as coerced, without touching the original', () => {
    const v = argumentValidator({ type: 'object', properties: { n: { type: 'integer' } } });
    const args = { n: '5' };
    expect(v.check(args)).toEqual({ ok: true, value: { n: 5 }, coerced: true });
    expect(args).toEqual({ n: '5' });
  });

  it('compiles a schema with an $id again after the cache let it go', () => {
    const schema = (i: number) => ({ $id: 'https://example.test/tool', type: 'object', properties: { [`p${i}`]: { type: 'string' } } });
    // More distinct schemas than the cache keeps, all with the same $id, then the first again.
    for (let i = 0; i < 600; i++) argumentValidator(schema(i));
    expect(argumentValidator(schema(0)).check({ p0: 'x' }).ok).toBe(true);
  });

  it('throws on a schema no dialect can compile', () => {
    expect(() => argumentValidator({ type: 'object', properties: { a: { type: 'no-such-type' } } })).toThrow();
  });
});
