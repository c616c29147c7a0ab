// The table of async tasks (`chat` with `async: true`): bounded, each task visible to its owner
// only, kept for a TTL after it finished so a client that disconnected can fetch the result. Time
// comes from the Clock, so tests advance it instead of waiting.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core';

export type TaskState = 'running' | 'succeeded' | 'failed';

export interface Task<R> {
  id: string;
  owner: string;
  state: TaskState;
  createdAt: number;
  finishedAt?: number;
  /** The last progress text (e.g. `loading model qwen 40%`). */
  progress: string;
  result?: R;
  error?: { code: string; message: string };
}

export interface TaskTableOptions {
  clock: Clock;
  /** Tasks kept at most; a new one evicts the oldest finished task, or is refused when all run. */
  maxTasks?: number;
  /** How long a finished task's result is kept. */
  ttlMs?: number;
  newId?: () => string;
}

export class TaskTableFull extends Error {
  readonly code = 'queue_full';
}

export class TaskTable<R> {
  private readonly tasks = new Map<string, Task<R>>();
  private readonly clock: Clock;
  private readonly maxTasks: number;
  private readonly ttlMs: number;
  private readonly newId: () => string;

  constructor({ clock, maxTasks = 256, ttlMs = 3_600_000, newId = () => `task_${randomUUID()}` }: TaskTableOptions) {
    this.clock = clock;
    this.maxTasks = maxTasks;
    this.ttlMs = ttlMs;
    this.newId = newId;
  }

  get size(): number {
    this.expire();
    return this.tasks.size;
  }

  /** Runs `work` as a task of `owner`; the task outlives whoever started it. */
  start(owner: string, work: (task: Task<R>) => Promise<R>): Task<R> {
    this.expire();
    if (this.tasks.size >= this.maxTasks && !this.evictOldestFinished()) {
      throw new TaskTableFull(`Too many tasks (${this.maxTasks}) are running; try again when one has finished.`);
    }
    const task: Task<R> = { id: this.newId(), owner, state: 'running', createdAt: this.clock.now(), progress: '' };
    this.tasks.set(task.id, task);
    work(task).then(
      (result) => this.settle(task, { state: 'succeeded', result }),
      (err: unknown) => {
        const e = err as { code?: unknown; message?: unknown };
        this.settle(task, { state: 'failed', error: { code: typeof e?.code === 'string' ? e.code : 'internal_error', message: String(e?.message ?? err) } });
      },
    );
    return task;
  }

  /** The task, if it exists, has not expired, and belongs to `owner` (others' ids look unknown). */
  get(id: string, owner: string): Task<R> | undefined {
    this.expire();
    const task = this.tasks.get(id);
    return task?.owner === owner ? task : undefined;
  }

  private settle(task: Task<R>, outcome: Pick<Task<R>, 'state' | 'result' | 'error'>): void {
    Object.assign(task, outcome, { finishedAt: this.clock.now() });
  }

  private expire(): void {
    const now = this.clock.now();
    for (const [id, t] of this.tasks) if (t.finishedAt !== undefined && now - t.finishedAt >= this.ttlMs) this.tasks.delete(id);
  }

  private evictOldestFinished(): boolean {
    for (const [id, t] of this.tasks) {
      // Map order is insertion order: the first finished one is the oldest.
      if (t.finishedAt !== undefined) return this.tasks.delete(id);
    }
    return false;
  }
}
