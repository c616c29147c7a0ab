// The openai npm client's Responses API against Aegis (run by responses-sdk.test.ts with the test
// world's pinned install): whole and streamed, a function-tool round trip over
// previous_response_id, and the same round trip resending the whole history (store: false).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { default: OpenAI } = await import(pathToFileURL(join(process.env.AGENTS_NODE_MODULES, 'openai', 'index.mjs')).href);
const client = new OpenAI({ baseURL: process.env.BASE_URL, apiKey: process.env.API_KEY, maxRetries: 0 });
const model = process.env.MODEL;
const tools = [
  {
    type: 'function',
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];

const whole = await client.responses.create({ model, input: 'Say hi.' });

const stream = await client.responses.create({ model, input: 'Say hi.', stream: true });
const types = [];
let streamed = '';
let completed;
for await (const event of stream) {
  types.push(event.type);
  if (event.type === 'response.output_text.delta') streamed += event.delta;
  if (event.type === 'response.completed') completed = event.response;
}

const first = await client.responses.create({ model, input: 'Weather in Paris?', tools });
const call = first.output.find((o) => o.type === 'function_call');
const followUp = await client.responses.create({
  model,
  previous_response_id: first.id,
  tools,
  input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' }],
});
const retrieved = await client.responses.retrieve(followUp.id);
const items = await client.responses.inputItems.list(followUp.id);

const statelessFirst = await client.responses.create({ model, input: [{ role: 'user', content: 'Weather in Paris?' }], tools, store: false, stream: true });
let statelessCall;
for await (const event of statelessFirst) if (event.type === 'response.output_item.done' && event.item.type === 'function_call') statelessCall = event.item;
const stateless = await client.responses.create({
  model,
  store: false,
  tools,
  input: [
    { role: 'user', content: 'Weather in Paris?' },
    statelessCall,
    { type: 'function_call_output', call_id: statelessCall.call_id, output: 'rainy, 9 C' },
  ],
});

console.log(
  JSON.stringify({
    whole: { status: whole.status, text: whole.output_text, model: whole.model },
    stream: { types, text: streamed, status: completed?.status, usage: completed?.usage },
    call: { name: call.name, arguments: call.arguments },
    followUp: { text: followUp.output_text, previous: followUp.previous_response_id },
    retrieved: { id: retrieved.id, text: retrieved.output_text },
    inputItems: items.data.map((i) => i.type),
    stateless: { call: statelessCall.name, text: stateless.output_text },
  }),
);
