// The local operator's token: a random admin credential written at start to a file only this user
// can read, so `aegis ps / load / unload` work on this machine without configuring keys (the way
// Jupyter hands its token to local clients). The gateway accepts it from loopback callers only.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface OperatorTokenFile {
  url: string;
  token: string;
  pid: number;
}

/** Per-user directory for the token files (`AEGIS_RUNTIME_DIR` overrides, e.g. for tests). */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.AEGIS_RUNTIME_DIR ?? join(homedir(), '.aegis', 'run');
}

export const tokenFile = (dir: string, port: number) => join(dir, `gateway-${port}.json`);

/** Writes the token of the gateway on `port`; returns a function that removes the file. */
export function writeOperatorToken(dir: string, { url, port, token }: { url: string; port: number; token: string }): { remove: () => void } {
  // 0700/0600 on POSIX; on Windows the user's profile directory is private by its ACL.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = tokenFile(dir, port);
  rmSync(file, { force: true });
  writeFileSync(file, JSON.stringify({ url, token, pid: process.pid } satisfies OperatorTokenFile), { mode: 0o600, flag: 'wx' });
  return { remove: () => rmSync(file, { force: true }) };
}

/** The token a gateway on `port` wrote, if this user can read one. */
export function readOperatorToken(dir: string, port: number): string | undefined {
  try {
    const doc = JSON.parse(readFileSync(tokenFile(dir, port), 'utf8')) as Partial<OperatorTokenFile>;
    return typeof doc.token === 'string' ? doc.token : undefined;
  } catch {
    return undefined;
  }
}
