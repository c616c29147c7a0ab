// CPU time and memory of a child process read from /proc (Linux only, no dependency), and a
// once-a-second sampler for the stream-hold phase.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface ProcSnapshot {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssMiB: number;
  /** Peak RSS (VmHWM). */
  hwmMiB: number;
  threads: number;
}

/** user + system CPU seconds from a `stat` file of /proc (a process' or one of its threads'). */
function statCpuSeconds(stat: string): number {
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** One reading, or undefined when the process is gone. */
export function readProc(pid: number): ProcSnapshot | undefined {
  try {
    const cpuSeconds = statCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return {
      cpuSeconds,
      rssMiB: kib('VmRSS') / 1024,
      hwmMiB: kib('VmHWM') / 1024,
      threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN),
    };
  } catch {
    return undefined;
  }
}

/** CPU seconds of each thread of a process so far, by thread id (the process' own id is its main thread). */
export function readThreadCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      out.set(Number(tid), statCpuSeconds(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** CPU used between two readings, in cores (1.0 = one core fully busy). */
export function coresUsed(before: ProcSnapshot | undefined, after: ProcSnapshot | undefined, seconds: number): number {
  if (!before || !after || seconds <= 0) return Number.NaN;
  return (after.cpuSeconds - before.cpuSeconds) / seconds;
}

export interface ProcSample {
  /** Seconds since the sampler started. */
  t: number;
  rssMiB: number;
  cpuSeconds: number;
}

/** Samples one process every `everyMs` until stopped. */
export class ProcSampler {
  readonly samples: ProcSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly started = performance.now();

  constructor(
    readonly pid: number,
    everyMs = 1_000,
  ) {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
  }

  private take(): void {
    const s = readProc(this.pid);
    if (s) this.samples.push({ t: (performance.now() - this.started) / 1000, rssMiB: s.rssMiB, cpuSeconds: s.cpuSeconds });
  }

  stop(): ProcSample[] {
    clearInterval(this.timer);
    this.take();
    return this.samples;
  }
}

/** Busy and total jiffies per CPU from /proc/stat. */
function cpuJiffies(): { busy: number; total: number }[] {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d+ /.test(l))
      .map((l) => {
        const v = l.trim().split(/\s+/).slice(1).map(Number);
        const total = v.reduce((a, b) => a + b, 0);
        return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
      });
  } catch {
    return [];
  }
}

/** How busy each CPU was between start() and read(): 1.0 = fully busy (anyone's work). */
export class CoreMeter {
  private readonly start = cpuJiffies();

  read(): number[] {
    return cpuJiffies().map((now, i) => {
      const was = this.start[i];
      if (!was || now.total === was.total) return Number.NaN;
      return (now.busy - was.busy) / (now.total - was.total);
    });
  }
}
