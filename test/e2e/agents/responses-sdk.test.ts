// The openai SDKs' `responses.create` (npm and Python) and the Agents SDK (npm and Python) against
// Aegis' Responses door, each in its own process from the test world's pinned installs, in front
// of the scripted model: streamed and whole, a function-tool round trip, previous_response_id.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportOf, runClient, startAgentWorld, type AgentWorld } from '../../helpers/agent-world';
import { testKey } from '../../helpers/gateway';
import { world } from '../../world/use-world';

const clients = join(dirname(fileURLToPath(import.meta.url)), 'clients');
const [agents, agentspy] = await Promise.all([world('agents'), world('agentspy')]);

const streamEvents = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.completed',
];

describe.skipIf(!agents || !agentspy)('Responses API clients', () => {
  let w: AgentWorld;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    w = await startAgentWorld(['gpt-agent']);
    env = { PATH: process.env.PATH, BASE_URL: `${w.gw.url}/v1`, API_KEY: testKey, MODEL: 'gpt-agent', AGENTS_NODE_MODULES: agents!.nodeModules };
  });

  afterAll(async () => {
    await w?.close();
  });

  const expectRoundTrip = (report: unknown) =>
    expect(report).toMatchObject({
      whole: { status: 'completed', text: 'Hello from the script.' },
      stream: { text: 'Hello from the script.', status: 'completed', types: expect.arrayContaining(streamEvents) },
      call: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      followUp: { text: 'The tool said: sunny, 21 C', previous: expect.stringMatching(/^resp_/) },
    });

  it('openai (npm): whole, streamed, a tool round trip over previous_response_id and over the full history', async () => {
    const run = await runClient(process.execPath, [join(clients, 'openai-responses.mjs')], { env });
    expect(run.code, run.stderr).toBe(0);
    const report = reportOf(run);
    expectRoundTrip(report);
    expect(report).toMatchObject({
      whole: { model: 'local' },
      stream: { usage: { input_tokens: 11, output_tokens: 7 } },
      retrieved: { text: 'The tool said: sunny, 21 C' },
      inputItems: ['function_call_output'],
      stateless: { call: 'get_weather', text: 'The tool said: rainy, 9 C' },
    });
  });

  it('openai (Python): whole, streamed and a tool round trip over previous_response_id', async () => {
    const run = await runClient(agentspy!.python, [join(clients, 'openai_responses.py')], { env });
    expect(run.code, run.stderr).toBe(0);
    expectRoundTrip(reportOf(run));
  });

  it('the Agents SDK (npm) runs a tool-using agent, whole and streamed', async () => {
    const run = await runClient(process.execPath, [join(clients, 'agents-run.mjs')], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(reportOf(run)).toEqual({ calls: ['Paris', 'Paris'], whole: 'The tool said: sunny in Paris', streamed: 'The tool said: sunny in Paris' });
  });

  it('the Agents SDK (Python) runs a tool-using agent, whole and streamed', async () => {
    const run = await runClient(agentspy!.python, [join(clients, 'agents_run.py')], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(reportOf(run)).toEqual({ calls: ['Paris', 'Paris'], whole: 'The tool said: sunny in Paris', streamed: 'The tool said: sunny in Paris' });
  });
});
