// The Anthropic npm SDK against Aegis' Messages door (run by anthropic-sdk.test.ts with the test
// world's pinned install): messages.create, messages.stream, a tool-use round trip, count_tokens.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { default: Anthropic } = await import(pathToFileURL(join(process.env.AGENTS_NODE_MODULES, '@anthropic-ai', 'sdk', 'index.mjs')).href);
const client = new Anthropic({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY, maxRetries: 0 });
const model = process.env.MODEL;
const tools = [
  { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
];

const whole = await client.messages.create({ model, max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hi.' }] });

const stream = client.messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Say hi.' }] });
let text = '';
stream.on('text', (t) => (text += t));
const streamed = await stream.finalMessage();

const ask = [{ role: 'user', content: 'Weather in Paris?' }];
const first = await client.messages.stream({ model, max_tokens: 256, tools, messages: ask }).finalMessage();
const use = first.content.find((b) => b.type === 'tool_use');
const answer = await client.messages.create({
  model,
  max_tokens: 256,
  tools,
  messages: [
    ...ask,
    { role: 'assistant', content: first.content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny, 21 C' }] },
  ],
});
const counted = await client.messages.countTokens({ model, messages: ask, tools });

let refused;
try {
  await new Anthropic({ baseURL: process.env.BASE_URL, apiKey: 'wrong-key', maxRetries: 0 }).messages.create({ model, max_tokens: 10, messages: ask });
} catch (err) {
  refused = { status: err.status, type: err.error?.error?.type };
}

console.log(
  JSON.stringify({
    whole: { text: whole.content[0]?.text, stop: whole.stop_reason, usage: whole.usage },
    stream: { text, final: streamed.content[0]?.text, stop: streamed.stop_reason },
    toolUse: { name: use.name, input: use.input, stop: first.stop_reason },
    answer: { text: answer.content[0]?.text, stop: answer.stop_reason },
    counted: counted.input_tokens,
    refused,
  }),
);
