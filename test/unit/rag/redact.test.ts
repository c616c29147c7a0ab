import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core';
import {
  compilePattern,
  defaultSecretPatterns,
  optionalPatterns,
  patternsWith,
  redactingLogger,
  redactRecord,
  redactText,
  redactValue,
} from '../../../src/rag';
import { API_KEY, PRIVATE_KEY, makeRecord } from './fixtures';

describe('redactText', () => {
  it('removes a whole PEM private key, BEGIN to END', () => {
    const out = redactText(`here is my key:\n${PRIVATE_KEY}\nthanks`);
    expect(out).toBe('here is my key:\n[REDACTED:private_key]\nthanks');
  });

  it('removes a private key cut short by truncation (no END line)', () => {
    const cut = PRIVATE_KEY.split('\n').slice(0, 2).join('\n');
    expect(redactText(`key ${cut}`)).toBe('key [REDACTED:private_key]');
  });

  it.each([
    ['openai', `use ${API_KEY} please`, 'openai_key'],
    ['aws', 'AKIAIOSFODNN7EXAMPLE is mine', 'aws_access_key'],
    ['github', 'token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 ok', 'github_token'],
    ['jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'jwt'],
    ['huggingface', 'hf_abcdefghijklmnopqrstuvwxyzABCDEF', 'huggingface_token'],
  ])('removes %s tokens', (_name, text, pattern) => {
    const out = redactText(text);
    expect(out).toContain(`[REDACTED:${pattern}]`);
  });

  it('keeps the prefix of assignments, bearer headers and URLs', () => {
    expect(redactText('password=hunter2hunter2')).toBe('password=[REDACTED:secret]');
    expect(redactText('Authorization: Bearer abcdefghijklmnopqrstuvwxyz')).toBe('Authorization: Bearer [REDACTED:bearer_token]');
    expect(redactText('mongodb://aegis:s3cretpass@db:27017/x')).toBe('mongodb://aegis:[REDACTED:url_password]@db:27017/x');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Llamas are camelids; sk-short is not a key; task-force meeting at 10.';
    expect(redactText(text)).toBe(text);
  });

  // The prefilter looks for each pattern's anchor only: a sample of every pattern must still go.
  it.each([
    ['private_key', `x ${PRIVATE_KEY} y`],
    ['openai_key', `x ${API_KEY} y`],
    ['aegis_key', 'x aegis-0123456789abcdefghij y'],
    ['aws_access_key', 'x ASIAIOSFODNN7EXAMPLE y'],
    ['github_token', 'x github_pat_0123456789abcdefghijklmn y'],
    ['slack_token', 'x xoxb-0123456789-abcdef y'],
    ['google_api_key', 'x AIzaSyA0123456789abcdefghijklmnopqrstuv y'],
    ['huggingface_token', 'x hf_abcdefghijklmnopqrstuvwxyzABCDEF y'],
    ['jwt', 'x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmN y'],
    ['bearer_token', 'x BEARER abcdefghijklmnopqrstuvwxyz y'],
    ['url_password', 'x HTTPS://user:hunter2@example.com y'],
    ['secret', 'x Client_Secret: "abcdefgh" y'],
  ])('finds every built-in pattern through the prefilter: %s', (name, text) => {
    expect(redactText(text)).toContain(`[REDACTED:${name}]`);
  });

  it.each([
    ['email', 'mail bob@example.com'],
    ['ipv4', 'host 10.1.2.3'],
    ['phone', 'call +1 (555) 010-9999'],
    ['credit_card', 'card 4111 1111 1111 1111'],
  ])('finds every optional pattern through the prefilter: %s', (name, text) => {
    expect(redactText(text, [optionalPatterns[name]!])).toContain(`[REDACTED:${name}]`);
  });

  it('applies operator regexes from config', () => {
    const patterns = [...defaultSecretPatterns, compilePattern({ name: 'ticket', regex: 'INC-\\d{6}' })];
    expect(redactText('see INC-123456', patterns)).toBe('see [REDACTED:ticket]');
  });
});

describe('redactRecord', () => {
  it('redacts every text of a record, tool calls included, and leaves the input untouched', () => {
    const record = makeRecord(1, {
      messages: [{ role: 'user', content: `my key ${PRIVATE_KEY}` }],
      answer: `I saw ${API_KEY}`,
      toolCalls: [{ id: 't1', name: 'http', arguments: JSON.stringify({ header: `Bearer ${API_KEY}` }), source: 'mcp', result: API_KEY }],
    });
    const out = redactRecord(record);
    const text = JSON.stringify(out);
    expect(text).not.toContain('BEGIN OPENSSH');
    expect(text).not.toContain(API_KEY);
    expect(record.answer).toContain(API_KEY);
    expect(out.id).toBe(record.id);
  });

  it('shares what needs no redaction and never changes its input', () => {
    const record = makeRecord(3, { answer: `I saw ${API_KEY}` });
    const out = redactRecord(record);
    expect(out).not.toBe(record);
    expect(out.messages).toBe(record.messages);
    expect(out.answer).toBe('I saw [REDACTED:openai_key]');
    expect(record.answer).toContain(API_KEY);
    const clean = makeRecord(4);
    expect(redactRecord(clean)).toBe(clean);
  });

  it('still scans the fields a client can choose (request id, decision reasons) and skips only Aegis-made ones', () => {
    const record = makeRecord(5, { id: `req-${API_KEY}`, requestId: `req-${API_KEY}`, decision: { reasons: [`tools removed by policy: ${API_KEY}`] } });
    const out = redactRecord(record);
    expect(JSON.stringify(out)).not.toContain(API_KEY);
    expect(out.decision?.reasons[0]).toBe('tools removed by policy: [REDACTED:openai_key]');
    // The model name is the registry's, never a client's text: left as configured.
    const named = makeRecord(6, { model: `m-${API_KEY}` });
    expect(redactRecord(named).model).toBe(`m-${API_KEY}`);
  });

  it('builds one pattern list per distinct obligation, so the prefilter is compiled once', () => {
    expect(patternsWith(defaultSecretPatterns, [])).toBe(defaultSecretPatterns);
    const a = patternsWith(defaultSecretPatterns, ['email', 'PRJ-\\d+']);
    expect(patternsWith(defaultSecretPatterns, ['email', 'PRJ-\\d+'])).toBe(a);
    expect(a.map((p) => p.name).slice(-2)).toEqual(['email', 'policy']);
  });

  it('adds what the obligations ask for: named patterns and regexes', () => {
    const record = makeRecord(2, { answer: 'mail bob@example.com from 10.1.2.3 about PRJ-42' });
    const out = redactRecord(record, { extra: ['email', 'ipv4', 'PRJ-\\d+'] });
    expect(out.answer).toBe('mail [REDACTED:email] from [REDACTED:ipv4] about [REDACTED:policy]');
  });
});

describe('redactValue and the redacting logger', () => {
  it('blanks values under secret-named keys', () => {
    expect(redactValue({ headers: { authorization: 'x', accept: 'json' }, apiKey: 'abc' })).toEqual({
      headers: { authorization: '[REDACTED]', accept: 'json' },
      apiKey: '[REDACTED]',
    });
  });

  it('redacts log messages, fields and errors', () => {
    const lines = new MemoryLogger();
    const log = redactingLogger(lines).child({ key: API_KEY });
    log.warn({ err: new Error(`failed with ${API_KEY}`), prompt: PRIVATE_KEY }, `saw ${API_KEY}`);
    expect(lines.text()).not.toContain(API_KEY);
    expect(lines.text()).not.toContain('OPENSSH');
    expect(lines.lines[0].msg).toBe('saw [REDACTED:openai_key]');
  });
});
