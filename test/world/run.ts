// Runs installer and server commands for the test world: output to a log file, progress on stderr.
import { spawn, type SpawnOptions } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from './manifest';

export function say(message: string): void {
  process.stderr.write(`[testworld] ${message}\n`);
}

export function elapsed(since: number): string {
  const s = Math.round((Date.now() - since) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export interface RunOptions extends SpawnOptions {
  /** Log file name under the cache's logs folder. */
  log: string;
  /** What is being done, for the progress lines. */
  label: string;
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Runs a command to completion; rejects with the log's tail when it fails. */
export function run(cmd: string, args: string[], options: RunOptions): Promise<string> {
  mkdirSync(paths.logs, { recursive: true });
  const logFile = join(paths.logs, options.log);
  const out = createWriteStream(logFile, { flags: 'a' });
  out.write(`\n$ ${cmd} ${args.join(' ')}\n`);
  const started = Date.now();
  say(`${options.label} …`);
  const ticker = setInterval(() => say(`${options.label} … ${elapsed(started)} (log: ${logFile})`), 30_000);
  return new Promise((resolve, reject) => {
    let stdout = '';
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      out.write(d);
    });
    child.stderr?.on('data', (d: Buffer) => out.write(d));
    const finish = (err?: Error) => {
      clearInterval(ticker);
      out.end(() => {
        if (err) reject(new Error(`${options.label} failed: ${err.message}\n--- ${logFile} (tail) ---\n${tail(logFile)}`));
        else {
          say(`${options.label} done in ${elapsed(started)}`);
          resolve(stdout);
        }
      });
    };
    child.on('error', (err) => finish(err));
    child.on('close', (code, signal) => finish(code === 0 ? undefined : new Error(`exit ${code ?? signal}`)));
  });
}
