// The Logger port: a pino-compatible subset so src/ never depends on console or a concrete logger.

export type LogFields = Record<string, unknown>;

export interface LogFn {
  (fields: LogFields, message?: string): void;
  (message: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: LogFields): Logger;
}

const noop: LogFn = () => {};

export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};

export interface LogLine extends LogFields {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg?: string;
}

/** A logger that keeps every line in memory, for tests that assert on what was (not) logged. */
export class MemoryLogger implements Logger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly bindings: LogFields = {},
  ) {}

  private write(level: LogLine['level']): LogFn {
    return ((a: LogFields | string, b?: string) => {
      const fields = typeof a === 'string' ? {} : a;
      const msg = typeof a === 'string' ? a : b;
      this.lines.push({ ...this.bindings, ...fields, level, msg });
    }) as LogFn;
  }

  debug = this.write('debug');
  info = this.write('info');
  warn = this.write('warn');
  error = this.write('error');

  child(bindings: LogFields): Logger {
    return new MemoryLogger(this.lines, { ...this.bindings, ...bindings });
  }

  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}
