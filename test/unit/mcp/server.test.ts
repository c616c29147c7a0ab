import { afterEach, describe, expect, it } from 'vitest';
import { Cancellation, ManualClock, silentLogger } from '../../../src/core';
import { McpPool, McpServerUnavailable, mcpConfigSchema, type ToolCatalog } from '../../../src/mcp';
import { defaultTools, memoryMcp, type MemoryMcp } from '../../helpers/mcp-memory';
import { until } from '../../helpers/wait';

const config = (extra: Record<string, unknown> = {}) =>
  mcpConfigSchema.parse({ servers: [{ name: 'mem', command: ['unused'], ...extra }], reconnect: { initialDelayMs: 1_000, maxDelayMs: 4_000 } });

let pool: McpPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function start(m: MemoryMcp, extra: Record<string, unknown> = {}) {
  const clock = new ManualClock(0);
  pool = new McpPool({ config: config(extra), connect: m.connect, clock, logger: silentLogger });
  return { clock, pool };
}

const names = (c: ToolCatalog) => c.tools.map((t) => t.name);

describe('McpServer (through the pool)', () => {
  it('connects on first use, follows every page of tools/list, then answers from the cache', async () => {
    const m = memoryMcp({ pageSize: 3 });
    const { pool } = start(m);
    expect(m.connects).toBe(0);
    const first = pool.tools('mem');
    expect(first).toBeInstanceOf(Promise);
    expect(names(await first)).toEqual(['echo', 'hang', 'big', 'fail']);
    expect(m.listCalls).toBe(2);
    const cached = pool.tools('mem');
    expect(cached).not.toBeInstanceOf(Promise);
    expect(m.listCalls).toBe(2);
  });

  it('leaves out disabled tools', async () => {
    const m = memoryMcp();
    const { pool } = start(m, { disabledTools: ['hang'] });
    expect(names(await pool.tools('mem'))).toEqual(['echo', 'big', 'fail']);
  });

  it('re-lists after notifications/tools/list_changed', async () => {
    const m = memoryMcp();
    const { pool } = start(m);
    await pool.tools('mem');
    await m.changeTools([...defaultTools, { name: 'added', inputSchema: { type: 'object' } }]);
    const next = await until(async () => {
      const c = await pool.tools('mem');
      return c.tools.some((t) => t.name === 'added') ? c : undefined;
    }, 2_000);
    expect(names(next)).toContain('added');
  });

  it('reconnects on the next use after the session died (a crashed server restarts)', async () => {
    const m = memoryMcp();
    const { pool } = start(m);
    await pool.tools('mem');
    await m.crash();
    await until(() => pool.status()[0]!.state === 'idle', 2_000, 'the pool to notice the crash');
    const result = await pool.call('mem', 'echo', { text: 'again' }, { signal: new Cancellation() });
    expect(result.content).toEqual([{ type: 'text', text: 'echo: again' }]);
    expect(m.connects).toBe(2);
  });

  it('backs off on the clock after failed attempts, doubling up to the maximum', async () => {
    const m = memoryMcp();
    m.failNext.push('spawn ENOENT', 'spawn ENOENT', 'spawn ENOENT');
    const { pool, clock } = start(m);
    await expect(pool.tools('mem')).rejects.toBeInstanceOf(McpServerUnavailable);
    // In back-off the answer is immediate: no attempt, no waiting request.
    expect(() => pool.tools('mem')).toThrow(/next attempt in 1 s/);
    clock.advance(1_000);
    await expect(pool.tools('mem')).rejects.toThrow(/spawn ENOENT/);
    clock.advance(1_999);
    expect(() => pool.tools('mem')).toThrow(McpServerUnavailable);
    clock.advance(1);
    await expect(pool.tools('mem')).rejects.toThrow(/spawn ENOENT/);
    clock.advance(4_000);
    expect(names(await pool.tools('mem'))).toContain('echo');
    expect(pool.status()[0]).toMatchObject({ state: 'ready', failures: 3, connects: 1 });
  });

  it('gives up on a server that does not answer within connectTimeoutMs', async () => {
    const clock = new ManualClock(0);
    pool = new McpPool({
      config: mcpConfigSchema.parse({ servers: [{ name: 'slow', command: ['x'] }], connectTimeoutMs: 5_000 }),
      connect: (_c, { signal }) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      clock,
      logger: silentLogger,
    });
    const attempt = pool.tools('slow');
    clock.advance(5_000);
    await expect(attempt).rejects.toThrow(/no answer within 5000 ms/);
  });

  it('keeps unchanged servers connected across a reload and replaces changed ones', async () => {
    const m = memoryMcp();
    const { pool } = start(m);
    await pool.tools('mem');
    await pool.reconfigure(config());
    expect(pool.tools('mem')).not.toBeInstanceOf(Promise);
    await pool.reconfigure(config({ disabledTools: ['fail'] }));
    expect(names(await pool.tools('mem'))).not.toContain('fail');
    expect(m.connects).toBe(2);
  });
});
