// The async task table on a manual clock: owners, TTL after finishing, the bound.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core';
import { TaskTable, TaskTableFull } from '../../../src/mcp';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('TaskTable', () => {
  it("keeps a finished task's result for the TTL, then forgets it", async () => {
    const clock = new ManualClock(0);
    let n = 0;
    const tasks = new TaskTable<string>({ clock, ttlMs: 1_000, newId: () => `t${++n}` });
    const work = deferred<string>();
    const task = tasks.start('alice', () => work.promise);
    expect(tasks.get('t1', 'alice')).toMatchObject({ state: 'running' });
    clock.advance(5_000);
    // Running tasks never expire.
    expect(tasks.get('t1', 'alice')).toBe(task);
    work.resolve('answer');
    await flush();
    expect(tasks.get('t1', 'alice')).toMatchObject({ state: 'succeeded', result: 'answer', finishedAt: 5_000 });
    clock.advance(999);
    expect(tasks.get('t1', 'alice')).toBeDefined();
    clock.advance(1);
    expect(tasks.get('t1', 'alice')).toBeUndefined();
  });

  it('shows a task to its owner only', () => {
    const tasks = new TaskTable<string>({ clock: new ManualClock(0), newId: () => 't' });
    tasks.start('alice', () => new Promise(() => {}));
    expect(tasks.get('t', 'bob')).toBeUndefined();
    expect(tasks.get('t', 'alice')).toBeDefined();
  });

  it('records a failure with its code', async () => {
    const tasks = new TaskTable<string>({ clock: new ManualClock(0), newId: () => 't' });
    tasks.start('alice', async () => {
      throw Object.assign(new Error('Denied by policy'), { code: 'policy_denied' });
    });
    await flush();
    expect(tasks.get('t', 'alice')).toMatchObject({ state: 'failed', error: { code: 'policy_denied', message: 'Denied by policy' } });
  });

  it('evicts the oldest finished task when full, and refuses when every task still runs', async () => {
    let n = 0;
    const tasks = new TaskTable<string>({ clock: new ManualClock(0), maxTasks: 2, newId: () => `t${++n}` });
    tasks.start('a', async () => 'done');
    tasks.start('a', () => new Promise(() => {}));
    await flush();
    tasks.start('a', () => new Promise(() => {}));
    expect(tasks.get('t1', 'a')).toBeUndefined();
    expect(tasks.size).toBe(2);
    expect(() => tasks.start('a', () => new Promise(() => {}))).toThrow(TaskTableFull);
  });
});
