// The end-to-end setting for the agent clients: a scripted model behind a fake OpenAI-compatible
// runtime, an Aegis gateway in front of it under the clients' own model names (aliases), and a
// runner for the real clients' processes (the test world's pinned installs).
import { spawn } from 'node:child_process';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream';
import { startGateway, type TestGateway } from './gateway';
import { isFunctionTool } from '../../src/core';
import { lastToolOutput, type Script } from './chat-script';

/** A command the clients' shell tools run: its output (42-aegis) is not in its text. */
export const SHELL_COMMAND = 'echo $((6*7))-aegis';
export const SHELL_OUTPUT = '42-aegis';

/**
 * The scripted model every agent test talks to: a tool result is answered by quoting it; otherwise
 * it calls the first tool it knows (weather for the SDK tests, the shell for Codex and Claude
 * Code), or greets.
 */
export function agentScript(): Script {
  let calls = 0;
  return (request) => {
    const output = lastToolOutput(request);
    if (output !== undefined) return { content: `The tool said: ${output}` };
    const names = new Set((request.tools ?? []).filter(isFunctionTool).map((t) => t.function.name));
    const id = `call_script_${++calls}`;
    if (names.has('get_weather')) return { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id }] };
    if (names.has('exec_command')) return { toolCalls: [{ name: 'exec_command', arguments: JSON.stringify({ cmd: SHELL_COMMAND }), id }] };
    if (names.has('Bash')) return { toolCalls: [{ name: 'Bash', arguments: JSON.stringify({ command: SHELL_COMMAND, description: 'Print a number' }), id }] };
    return { content: 'Hello from the script.' };
  };
}

export interface AgentWorld {
  fake: FakeUpstream;
  gw: TestGateway;
  close(): Promise<void>;
}

/**
 * The gateway serves model `local` to every name in `aliases` (the names the clients send). The
 * scripted model takes tools natively, as the clients' own providers do; the emulated path has its
 * own tests (test/integration/tools). Its window holds Claude Code's system prompt and tools (about
 * 13k tokens), which an 8k window refuses as too long.
 */
export async function startAgentWorld(aliases: string[], config: Record<string, unknown> = {}): Promise<AgentWorld> {
  const fake = await startFakeUpstream({ kind: 'script', script: agentScript() });
  const gw = await startGateway({
    upstreams: [{ name: 'fake', type: 'openai', url: fake.url, discover: false }],
    models: [{ name: 'local', aliases, upstream: 'fake', upstreamModel: 'fake', contextLength: 65536, capabilities: { tools: 'native' } }],
    ...config,
  });
  return {
    fake,
    gw,
    async close() {
      await gw.close();
      await fake.close();
    },
  };
}

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client to completion (killed after `timeoutMs`), with no stdin, as CI runs it. */
export function runClient(cmd: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number }): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The last JSON line a client script printed (its report of what it saw). */
export function reportOf(run: ClientRun): unknown {
  const line = run.stdout
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('{'));
  if (!line) throw new Error(`the client printed no report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(line);
}
