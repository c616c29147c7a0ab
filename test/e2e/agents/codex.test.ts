// `codex exec` (the real CLI from npm, pinned in the test world) through Aegis' Responses door:
// it keeps its own model name (an alias), runs its shell tool on the scripted model's call, and
// reports the tool's output, which only the executed command can produce.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient, SHELL_OUTPUT, startAgentWorld, type AgentWorld } from '../../helpers/agent-world';
import { testKey } from '../../helpers/gateway';
import { world } from '../../world/use-world';

const agents = await world('agents');

describe.skipIf(!agents)('codex exec through /v1/responses', () => {
  let w: AgentWorld;
  let home: string;

  beforeAll(async () => {
    w = await startAgentWorld(['gpt-5.5-codex']);
    home = mkdtempSync(join(tmpdir(), 'aegis-codex-'));
    writeFileSync(
      join(home, 'config.toml'),
      [
        'model = "gpt-5.5-codex"',
        'model_provider = "aegis"',
        '',
        '[model_providers.aegis]',
        'name = "Aegis"',
        `base_url = "${w.gw.url}/v1"`,
        'wire_api = "responses"',
        'env_key = "AEGIS_API_KEY"',
        'request_max_retries = 0',
        'stream_max_retries = 0',
      ].join('\n'),
    );
    mkdirSync(join(home, 'work'));
  });

  afterAll(async () => {
    await w?.close();
  });

  it('runs its shell tool on the model’s call and reports the output', async () => {
    const run = await runClient(
      process.execPath,
      [
        agents!.codex,
        'exec',
        '--skip-git-repo-check',
        '--dangerously-bypass-approvals-and-sandbox',
        '-C',
        join(home, 'work'),
        'Run the command and tell me what it printed.',
      ],
      { env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home, AEGIS_API_KEY: testKey }, timeoutMs: 100_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`The tool said:`);
    expect(run.stdout).toContain(SHELL_OUTPUT);
    // Two model calls: the tool call, then the answer with the tool's output in its history.
    expect(w.fake.requests).toHaveLength(2);
    const second = w.fake.requests[1] as { messages: { role: string; content: unknown }[] };
    const tool = second.messages.find((m) => m.role === 'tool');
    expect(String(tool?.content)).toContain(SHELL_OUTPUT);
    expect(w.gw.logger.text()).toContain('web_search');
  });
});
