// The OpenAI Agents SDK (npm) running a tool-using agent against Aegis, whole and streamed: its
// default model class speaks the Responses API.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const load = (path) => import(pathToFileURL(join(process.env.AGENTS_NODE_MODULES, ...path)).href);
const { Agent, run, tool, setDefaultOpenAIClient, setTracingDisabled } = await load(['@openai', 'agents', 'dist', 'index.mjs']);
const { default: OpenAI } = await load(['openai', 'index.mjs']);
const { z } = await load(['zod', 'index.js']);

setTracingDisabled(true);
setDefaultOpenAIClient(new OpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY, maxRetries: 0 }));
const calls = [];
const weather = tool({
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => {
    calls.push(city);
    return `sunny in ${city}`;
  },
});
const agent = new Agent({ name: 'helper', instructions: 'Answer with the tools.', model: process.env.MODEL, tools: [weather] });

const whole = await run(agent, 'Weather in Paris?');
const streamed = await run(agent, 'Weather in Paris?', { stream: true });
for await (const _ of streamed) {
  // Drain the events; the final output is read below.
}
await streamed.completed;
console.log(JSON.stringify({ calls, whole: whole.finalOutput, streamed: streamed.finalOutput }));
