import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core';
import { MemoryExchangeStore, Outbox, OutboxAuditSink, OutboxExchangeRecorder, Spool, type AuditEvent, type ExchangeRecord } from '../../../src/rag';
import { until } from '../../helpers/wait';
import { API_KEY, PRIVATE_KEY, makeRecord } from './fixtures';

const live: Outbox[] = [];
async function setup(store?: MemoryExchangeStore) {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-recorder-'));
  const outbox = new Outbox({ store, spool: await Spool.open({ dir }) });
  outbox.start();
  live.push(outbox);
  return {
    dir,
    outbox,
    recorder: new OutboxExchangeRecorder({ outbox }),
    audit: new OutboxAuditSink({ outbox, clock: new ManualClock(Date.UTC(2025, 5, 1)) }),
  };
}

afterEach(async () => {
  await Promise.all(live.splice(0).map((o) => o.close()));
});

describe('OutboxExchangeRecorder', () => {
  it('redacts before the record reaches the store', async () => {
    const store = new MemoryExchangeStore();
    const { outbox, recorder } = await setup(store);
    recorder.record(makeRecord(1, { messages: [{ role: 'user', content: `${PRIVATE_KEY}\nand ${API_KEY}` }] }));
    await until(() => outbox.idle());
    const stored = JSON.stringify(store.of('exchange')[0].data);
    expect(stored).not.toContain('OPENSSH');
    expect(stored).not.toContain(API_KEY);
  });

  it('redacts before the record reaches the spool', async () => {
    const { dir, outbox, recorder } = await setup();
    recorder.record(makeRecord(1, { answer: `here: ${API_KEY}` }));
    await until(() => outbox.stats().exchange.spooled === 1);
    const spooled = readdirSync(dir)
      .filter((f) => f.startsWith('seg-'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
    expect(spooled).toContain('[REDACTED:openai_key]');
    expect(spooled).not.toContain(API_KEY);
  });

  it('records nothing when the policy forbids logging, and counts it as suppressed', async () => {
    const store = new MemoryExchangeStore();
    const { outbox, recorder } = await setup(store);
    recorder.record(makeRecord(1), { log: 'none' });
    await until(() => outbox.idle());
    expect(store.items.size).toBe(0);
    expect(outbox.stats().exchange).toMatchObject({ suppressed: 1, dropped: 0 });
  });

  it('keeps only metadata when the policy says so', async () => {
    const store = new MemoryExchangeStore();
    const { outbox, recorder } = await setup(store);
    recorder.record(makeRecord(3, { toolCalls: [{ id: 't', name: 'search', arguments: '{"q":"secret plan"}', source: 'mcp', result: 'plan' }] }), {
      log: 'metadata',
      redact: ['email'],
    });
    await until(() => outbox.idle());
    const data = store.of('exchange')[0].data as ExchangeRecord;
    expect(data.answer).toBe('[not logged]');
    expect(data.messages.every((m) => m.content === '[not logged]')).toBe(true);
    expect(data.toolCalls[0]).toMatchObject({ name: 'search', arguments: '[not logged]', result: '[not logged]' });
    expect(data.usage).toEqual(makeRecord(3).usage);
  });

  it('never throws, even for a broken obligation regex', async () => {
    const { outbox, recorder } = await setup(new MemoryExchangeStore());
    expect(() => recorder.record(makeRecord(1), { redact: ['(unclosed'] })).not.toThrow();
    expect(outbox.stats().exchange.dropped).toBe(1);
  });

  it('audits the allow decision a record carries: one outbox item, an audit event in the store', async () => {
    const store = new MemoryExchangeStore();
    const { outbox, recorder } = await setup(store);
    recorder.record(makeRecord(5, { decision: { reasons: ['max_tokens 8000 capped to 4096'] } }));
    recorder.record(makeRecord(6));
    await until(() => outbox.idle());
    expect(outbox.stats().exchange.inserted).toBe(2);
    expect(outbox.stats().audit.enqueued).toBe(0);
    expect(store.of('audit').map((i) => i.data)).toEqual([
      {
        id: 'dec-5',
        time: makeRecord(5).time,
        type: 'policy.decision',
        actor: 'team-a',
        target: 'smollm2@1',
        outcome: 'allow',
        requestId: 'req-000005',
        decisionId: 'dec-5',
        details: { route: '/v1/chat/completions', reasons: ['max_tokens 8000 capped to 4096'] },
      },
    ]);
  });

  it('still audits the decision when the record itself is not kept', async () => {
    const store = new MemoryExchangeStore();
    const { outbox, recorder } = await setup(store);
    const decided = (i: number) => makeRecord(i, { decision: { reasons: [] } });
    recorder.record(decided(7), { log: 'none' });
    recorder.record(decided(8), { redact: ['(unclosed'] });
    await until(() => outbox.idle());
    expect(store.of('exchange')).toHaveLength(0);
    expect(store.of('audit').map((i) => [i.id, (i.data as AuditEvent).outcome])).toEqual([
      ['dec-7', 'allow'],
      ['dec-8', 'allow'],
    ]);
  });
});

describe('OutboxAuditSink', () => {
  it('stamps id and time and redacts details', async () => {
    const store = new MemoryExchangeStore();
    const { outbox, audit } = await setup(store);
    audit.record({ type: 'mcp.tool', actor: 'team-a', outcome: 'ok', details: { args: `token=${API_KEY}`, apiKey: 'x' } });
    await until(() => outbox.idle());
    const event = store.of('audit')[0].data as AuditEvent;
    expect(event.id).toMatch(/[0-9a-f-]{36}/);
    expect(event.time).toBe('2025-06-01T00:00:00.000Z');
    expect(JSON.stringify(event)).not.toContain(API_KEY);
    expect(event.details?.apiKey).toBe('[REDACTED]');
  });
});
