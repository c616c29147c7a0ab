// `claude -p` (the real Claude Code from npm, pinned in the test world) through Aegis' Messages
// door: x-api-key authentication, its ~80 KB requests with max_tokens 32000 (clamped to the
// model), its Bash tool run on the scripted model's call, and the tool's output reported.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient, SHELL_OUTPUT, startAgentWorld, type AgentWorld } from '../../helpers/agent-world';
import { testKey } from '../../helpers/gateway';
import { world } from '../../world/use-world';

const agents = await world('agents');

describe.skipIf(!agents)('claude -p through /v1/messages', () => {
  let w: AgentWorld;
  let home: string;

  beforeAll(async () => {
    w = await startAgentWorld(['claude-local']);
    home = mkdtempSync(join(tmpdir(), 'aegis-claude-'));
    mkdirSync(join(home, 'work'));
  });

  afterAll(async () => {
    await w?.close();
  });

  it('runs its Bash tool on the model’s call and reports the output', async () => {
    const run = await runClient(
      agents!.claude,
      ['-p', 'Run the command and tell me what it printed.', '--model', 'claude-local', '--dangerously-skip-permissions'],
      {
        cwd: join(home, 'work'),
        env: {
          PATH: process.env.PATH,
          HOME: home,
          ANTHROPIC_BASE_URL: w.gw.url,
          ANTHROPIC_API_KEY: testKey,
          DISABLE_TELEMETRY: '1',
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
          // As root, --dangerously-skip-permissions is refused unless the process says it is sandboxed.
          IS_SANDBOX: '1',
        },
        timeoutMs: 100_000,
      },
    );
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain('The tool said:');
    expect(run.stdout).toContain(SHELL_OUTPUT);
    const calls = w.fake.requests as { max_tokens?: number; tools?: unknown[]; messages: { role: string; content: unknown }[] }[];
    const agentCalls = calls.filter((c) => c.tools?.length);
    expect(agentCalls.length).toBeGreaterThanOrEqual(2);
    // 32000 asked, within the model's 64K window: passed on as asked (the clamp to a smaller window
    // is tested at the Messages door, test/unit/gateway/messages-route.test.ts).
    expect(agentCalls.every((c) => c.max_tokens === 32000)).toBe(true);
    const answered = calls.find((c) => c.messages.some((m) => m.role === 'tool'));
    expect(String(answered?.messages.find((m) => m.role === 'tool')?.content)).toContain(SHELL_OUTPUT);
  });
});
