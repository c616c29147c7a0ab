// The Anthropic SDKs (npm and Python, the test world's pinned installs) against Aegis' Messages
// door in front of the scripted model: messages.create, messages.stream, a tool-use round trip,
// count_tokens and a refused key in Anthropic's error shape.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportOf, runClient, startAgentWorld, type AgentWorld } from '../../helpers/agent-world';
import { testKey } from '../../helpers/gateway';
import { world } from '../../world/use-world';

const clients = join(dirname(fileURLToPath(import.meta.url)), 'clients');
const [agents, agentspy] = await Promise.all([world('agents'), world('agentspy')]);

describe.skipIf(!agents || !agentspy)('Anthropic SDKs', () => {
  let w: AgentWorld;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    w = await startAgentWorld(['claude-local']);
    // No /v1: the SDKs add it, as they do for api.anthropic.com.
    env = { PATH: process.env.PATH, BASE_URL: w.gw.url, API_KEY: testKey, MODEL: 'claude-local', AGENTS_NODE_MODULES: agents!.nodeModules };
  });

  afterAll(async () => {
    await w?.close();
  });

  const common = {
    whole: { text: 'Hello from the script.', stop: 'end_turn' },
    stream: { text: 'Hello from the script.', final: 'Hello from the script.', stop: 'end_turn' },
    toolUse: { name: 'get_weather', input: { city: 'Paris' }, stop: 'tool_use' },
    answer: { text: 'The tool said: sunny, 21 C', stop: 'end_turn' },
  };

  it('@anthropic-ai/sdk: create, stream, tool use, count_tokens and a refused key', async () => {
    const run = await runClient(process.execPath, [join(clients, 'anthropic-messages.mjs')], { env });
    expect(run.code, run.stderr).toBe(0);
    const report = reportOf(run);
    expect(report).toMatchObject({
      ...common,
      whole: { ...common.whole, usage: { input_tokens: 11, output_tokens: 7 } },
      counted: expect.any(Number),
      refused: { status: 401, type: 'authentication_error' },
    });
  });

  it('anthropic (Python): create, stream and tool use', async () => {
    const run = await runClient(agentspy!.python, [join(clients, 'anthropic_messages.py')], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(reportOf(run)).toMatchObject(common);
  });
});
