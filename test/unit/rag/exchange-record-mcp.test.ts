import { describe, expect, it } from 'vitest';
import type { ExchangeFinished } from '../../../src/core';
import { exchangeRecord } from '../../../src/rag/exchange-record';

const finished = (over: Partial<ExchangeFinished>): ExchangeFinished => ({
  requestId: 'r1',
  route: 'chat',
  api: 'chat',
  startedAt: 0,
  endedAt: 10,
  principalId: 'p',
  model: 'm',
  modelVersion: '1',
  upstream: 'u',
  upstreamModel: 'm',
  stream: false,
  status: 200,
  answer: 'done',
  toolCalls: [],
  turns: 3,
  ...over,
});

describe('exchangeRecord with MCP calls', () => {
  it('lists every MCP call once, with its result, beside the client calls of the last answer', () => {
    const record = exchangeRecord(
      finished({
        toolCalls: [
          { id: 'm2', type: 'function', function: { name: 'mcp__s__t', arguments: '{}' } },
          { id: 'k1', type: 'function', function: { name: 'mine', arguments: '{"a":1}' } },
        ],
        mcpCalls: [
          {
            id: 'm1',
            name: 'mcp__s__t',
            server: 's',
            tool: 't',
            round: 1,
            arguments: '{"x":1}',
            argumentsHash: 'h',
            outcome: 'ok',
            durationMs: 3,
            output: 'result one',
          },
          {
            id: 'm2',
            name: 'mcp__s__t',
            server: 's',
            tool: 't',
            round: 2,
            arguments: '{}',
            argumentsHash: 'h',
            outcome: 'timeout',
            durationMs: 9,
            output: 'Error: …',
            error: 'timed out after 9 ms',
          },
        ],
      }),
    );
    expect(record.toolCalls).toEqual([
      { id: 'k1', name: 'mine', arguments: '{"a":1}', source: 'client' },
      { id: 'm1', name: 'mcp__s__t', arguments: '{"x":1}', source: 'mcp', result: 'result one' },
      { id: 'm2', name: 'mcp__s__t', arguments: '{}', source: 'mcp', result: 'Error: …', error: 'timeout: timed out after 9 ms' },
    ]);
  });
});
