import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core';
import { compilePattern, defaultSecretPatterns, redactingLogger, redactRecord, redactText, redactValue } from '../../../src/rag';
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

  it('adds what the obligations ask for: named patterns and regexes', () => {
    const record = makeRecord(2, { answer: 'mail bob@example.com from 10.1.2.3 about PRJ-42' });
    const out = redactRecord(record, { extra: ['email', 'ipv4', 'PRJ-\\d+'] });
    expect(out.answer).toBe('mail [REDACTED:email] from [REDACTED:ipv4] about [REDACTED:policy]');
  });
});

describe('redactValue and the redacting logger', () => {
  it('blanks values under secret-named keys', () => {
    expect(redactValue({ headers: { authorization: 'x', accept: 'json' }, apiKey: 'abc' })).toEqual({ headers: { authorization: '[REDACTED]', accept: 'json' }, apiKey: '[REDACTED]' });
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
