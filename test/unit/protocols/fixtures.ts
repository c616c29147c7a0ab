// Requests recorded from the real clients (the test world's pinned installs) pointed at a capture
// server: Codex 0.169.0 (`codex exec "Run echo hello"`), Claude Code 2.1.328 (`claude -p`) and the
// Agents SDK 0.20.0 (a streamed run with one function tool). Bodies as sent, headers trimmed.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export interface Recorded {
  recorded: { method: string; url: string; headers: Record<string, string> };
  body: Record<string, unknown>;
}

export function recorded(name: 'codex-0.169.0' | 'claude-code-2.1.328' | 'openai-agents-0.20.0'): Recorded {
  return JSON.parse(readFileSync(join(here, 'fixtures', `${name}-request.json`), 'utf8')) as Recorded;
}

/** Predictable ids: `prefix_1`, `prefix_2`, … per converter. */
export function counterIds(): (prefix: string) => string {
  let n = 0;
  return (prefix) => `${prefix}_${++n}`;
}
