// Shared test data for rag tests: exchange records and secrets for redaction.
import type { ExchangeRecord } from '../../../src/rag';

export const PRIVATE_KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACDJ2yU7bG6bUd1pY7v0hRk0nR4pZ0yGQ0mG2b8c2Zp3jwAAAJhR2ZbUUdmW',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');
export const API_KEY = 'sk-proj-4fT9xQ2mZ8pL1vR7sK3nB6yH0wC5dE2gJ9aF';

export function makeRecord(i: number, overrides: Partial<ExchangeRecord> = {}): ExchangeRecord {
  const id = `req-${String(i).padStart(6, '0')}`;
  return {
    id,
    requestId: id,
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
    endedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i, 500)).toISOString(),
    principalId: i % 2 ? 'team-a' : 'team-b',
    route: '/v1/chat/completions',
    model: 'smollm2',
    modelVersion: '1',
    upstream: 'llamacpp',
    stream: true,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: `Question number ${i} about llamas` },
    ],
    answer: `Answer ${i}: llamas are camelids.`,
    finishReason: 'stop',
    toolCalls: [],
    usage: { promptTokens: 12, completionTokens: 7, totalTokens: 19 },
    latencyMs: 120,
    ttftMs: 30,
    status: 200,
    complete: true,
    decisionId: `dec-${i}`,
    ...overrides,
  };
}
