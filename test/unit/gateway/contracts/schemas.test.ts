import { readdirSync, readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ExchangeFinished } from '../../../../src/core';
import { hashKey, KeyStore } from '../../../../src/gateway';
import { schemaFileText, storedSchemas } from '../../../../src/gateway/contracts';
import { defaultPolicyData } from '../../../../src/policy';
import { exchangeRecord, OutboxAuditSink, type AuditEvent, type Outbox, type OutboxItem } from '../../../../src/rag';
import { inProcessApp } from '../../../helpers/app';

const root = new URL('../../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const schemaFile = (name: string) => JSON.parse(read(`schemas/${name}`)) as Record<string, unknown>;

function validator(name: string) {
  // Formats (uri) are zod's to check when the file is loaded; ajv would only warn that it has none.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schemaFile(name));
  return (value: unknown) => {
    validate(value);
    return validate.errors ?? [];
  };
}

/** What a store receives: JSON, so undefined fields are gone. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('schemas/', () => {
  it('is what npm run schemas writes from the code (run it when this fails)', () => {
    const files = storedSchemas();
    expect(readdirSync(new URL('schemas/', root)).sort()).toEqual(files.map((f) => f.file).sort());
    for (const { file, schema } of files) expect(read(`schemas/${file}`), file).toBe(schemaFileText(schema));
  });

  it('validates aegis.example.yaml, which names its schema for editors', () => {
    const text = read('aegis.example.yaml');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schemas/aegis-config.schema.json');
    expect(validator('aegis-config.schema.json')(parse(text))).toEqual([]);
  });

  it('refuses a config key that does not exist', () => {
    expect(validator('aegis-config.schema.json')({ server: { prot: 4000 } })).not.toEqual([]);
  });

  it('validates the records of real exchanges, whole and streamed', async () => {
    const finished: ExchangeFinished[] = [];
    const { app, upstream } = inProcessApp({ sinks: [{ exchangeFinished: (e) => void finished.push(e) }] });
    const post = (body: object) =>
      app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await (
      await post({
        model: 'm',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
      })
    ).text();
    upstream.script = { kind: 'stream', deltas: ['Hel', 'lo'] };
    await (await post({ model: 'm', stream: true, messages: [{ role: 'user', content: 'Hi' }] })).text();
    await (await post({ model: 'unknown', messages: [{ role: 'user', content: 'Hi' }] })).text();
    expect(finished).toHaveLength(2);
    const check = validator('exchange-record.schema.json');
    for (const e of finished) expect(check(asJson(exchangeRecord(e)))).toEqual([]);
  });

  it('validates the audit event of a refused key as the audit sink stamps it', async () => {
    const { app, audit } = inProcessApp({ keys: new KeyStore([{ id: 'k', name: 'k', hash: hashKey('right'), roles: ['user'] }]) });
    await app.request('/v1/models', { headers: { authorization: 'Bearer wrong' } });
    expect(audit.length).toBeGreaterThan(0);
    const items: OutboxItem[] = [];
    const outbox = { push: (item: OutboxItem) => void items.push(item), note: () => undefined } as unknown as Outbox;
    const sink = new OutboxAuditSink({ outbox });
    for (const event of audit) sink.record(event);
    const check = validator('audit-event.schema.json');
    for (const item of items) expect(check(asJson(item.data as AuditEvent))).toEqual([]);
  });

  it('validates the registry entries the catalog holds', () => {
    const { deps } = inProcessApp();
    const check = validator('registry-entry.schema.json');
    const entries = deps.snapshot().catalog.current();
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(check(asJson(entry))).toEqual([]);
  });
});

/** The property names a path can reach in `schema` (through anyOf/oneOf and array items). */
function child(schema: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const visit = (s: Record<string, unknown>) => {
    for (const k of ['anyOf', 'oneOf', 'allOf'] as const) for (const sub of (s[k] as Record<string, unknown>[] | undefined) ?? []) visit(sub);
    if (key === '[]' && s.items) out.push(s.items as Record<string, unknown>);
    const props = s.properties as Record<string, Record<string, unknown>> | undefined;
    if (key !== '[]' && props?.[key]) out.push(props[key]);
    else if (key !== '[]' && s.additionalProperties && typeof s.additionalProperties === 'object') out.push(s.additionalProperties as Record<string, unknown>);
  };
  visit(schema);
  return out;
}

function resolves(schema: Record<string, unknown>, path: string[]): boolean {
  let at = [schema];
  for (const key of path) at = at.flatMap((s) => child(s, key));
  return at.length > 0;
}

function propertyNames(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) propertyNames(s, into);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'properties') for (const name of Object.keys(v as object)) into.add(name);
      propertyNames(v, into);
    }
  }
  return into;
}

describe('config keys named in the docs', () => {
  const schema = schemaFile('aegis-config.schema.json');

  it('every key of aegis.example.yaml is in the schema', () => {
    const missing: string[] = [];
    const walk = (value: unknown, path: string[]) => {
      if (Array.isArray(value)) {
        for (const v of value) walk(v, [...path, '[]']);
      } else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) {
          if (!resolves(schema, [...path, k])) missing.push([...path, k].join('.'));
          else walk(v, [...path, k]);
        }
    };
    walk(parse(read('aegis.example.yaml')), []);
    expect(missing).toEqual([]);
  });

  it('every commented-out key of aegis.example.yaml is a key of the schema', () => {
    const names = propertyNames(schema);
    const commented = [...read('aegis.example.yaml').matchAll(/^\s*# ?(?:- )?([a-z][A-Za-z0-9]*):(?: |$)/gm)].map((m) => m[1]!);
    expect(commented.length).toBeGreaterThan(0);
    expect(commented.filter((k) => !names.has(k))).toEqual([]);
  });

  // Dotted names the docs use that are not config keys: audit event types.
  const notConfig = new Set(['scheduler.eviction', 'auth.failure']);

  it('every dotted config key in README.md and docs/ is in the schema', () => {
    const top = Object.keys(schema.properties as object);
    const docs = [
      'README.md',
      ...readdirSync(new URL('docs/', root))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const pattern = new RegExp(`\`((?:${top.join('|')})(?:\\.[A-Za-z][A-Za-z0-9]*|\\[\\])+)`, 'g');
    const missing: string[] = [];
    let seen = 0;
    for (const doc of docs) {
      for (const [, key] of read(doc).matchAll(pattern)) {
        seen++;
        const path = key!.replace(/\[\]/g, '.[]').split('.');
        // `policy.data` is the policy's data document, checked by src/policy rather than the schema:
        // its sections are those of the shipped defaults.
        const known = path[0] === 'policy' && path[1] === 'data' && path.length > 2 ? path[2]! in defaultPolicyData : resolves(schema, path);
        if (!notConfig.has(key!) && !known) missing.push(`${doc}: ${key}`);
      }
    }
    expect(seen).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
