// Shared test data for tools tests: three tools like the accuracy bench's, a deterministic id
// maker, and raw outputs in every format local models write (../shared/reference/subsystems.md §4.4).
import { ToolCatalog, ToolTextParser, type CallIds, type TextEvent } from '../../../src/tools';

export const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
  },
};
export const search = {
  type: 'function' as const,
  function: {
    name: 'search_web',
    description: 'Search the web.',
    parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } }, required: ['query'] },
  },
};
export const clock = { type: 'function' as const, function: { name: 'get_time', description: 'The current time.' } };

export const tools = [weather, search, clock];
export const catalog = ToolCatalog.of(tools);

/** call_1, call_2, … */
export function counterIds(): CallIds {
  let n = 0;
  return () => `call_${++n}`;
}

/** The events of `text` pushed in the given pieces, then ended. */
export function parseInPieces(pieces: readonly string[], truncated = false): { events: TextEvent[]; repairs: number } {
  const parser = new ToolTextParser({ catalog, ids: counterIds() });
  const events: TextEvent[] = [];
  for (const p of pieces) events.push(...parser.push(p));
  events.push(...parser.end(truncated));
  return { events, repairs: parser.repairs };
}

/** Content joined, calls as name + parsed arguments, invalid attempts by reason: what a client would see. */
export function summary(events: readonly TextEvent[]) {
  let content = '';
  const calls: { name: string; arguments: unknown }[] = [];
  const invalid: string[] = [];
  for (const e of events) {
    if (e.type === 'content') content += e.text;
    else if (e.type === 'call') calls.push({ name: e.call.name, arguments: JSON.parse(e.call.arguments) });
    else invalid.push(e.invalid.reason);
  }
  return { content, calls, invalid };
}

/** Raw outputs, each with what it must read as. */
export const recorded: { name: string; text: string; content: string; calls: { name: string; arguments: unknown }[] }[] = [
  {
    name: 'Hermes / Qwen 2.5 tags',
    text: 'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
    content: 'Let me check.\n',
    calls: [{ name: 'get_weather', arguments: { city: 'Paris' } }],
  },
  {
    name: 'Hermes parallel calls',
    text: '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>',
    content: '\n',
    calls: [
      { name: 'get_weather', arguments: { city: 'Paris' } },
      { name: 'get_time', arguments: {} },
    ],
  },
  {
    name: 'Hermes without the closing tag (stopped at EOS)',
    text: '<tool_call>\n{"name": "search_web", "arguments": {"query": "llama"}}',
    content: '',
    calls: [{ name: 'search_web', arguments: { query: 'llama' } }],
  },
  {
    name: 'Qwen3-Coder XML parameters',
    text: '<tool_call>\n<function=search_web>\n<parameter=query>\nbest pizza\n</parameter>\n<parameter=limit>\n3\n</parameter>\n</function>\n</tool_call>',
    content: '',
    calls: [{ name: 'search_web', arguments: { query: 'best pizza', limit: 3 } }],
  },
  {
    name: 'Llama 3.x bare JSON with parameters',
    text: '{"name": "get_weather", "parameters": {"city": "Berlin", "unit": "celsius"}}',
    content: '',
    calls: [{ name: 'get_weather', arguments: { city: 'Berlin', unit: 'celsius' } }],
  },
  {
    name: 'Llama 3.x two calls separated by a semicolon',
    text: '{"type": "function", "name": "get_time", "parameters": {}}; {"name": "get_weather", "parameters": {"city": "Oslo"}}',
    content: '',
    calls: [
      { name: 'get_time', arguments: {} },
      { name: 'get_weather', arguments: { city: 'Oslo' } },
    ],
  },
  {
    name: 'Llama 3.x python tag with JSON',
    text: '<|python_tag|>{"name": "search_web", "parameters": {"query": "weather Rome"}}',
    content: '',
    calls: [{ name: 'search_web', arguments: { query: 'weather Rome' } }],
  },
  {
    name: 'Llama 3.x python tag with a call expression',
    text: '<|python_tag|>search_web.call(query="rust borrow checker", limit=2)',
    content: '',
    calls: [{ name: 'search_web', arguments: { query: 'rust borrow checker', limit: 2 } }],
  },
  {
    name: 'Mistral v0.3 / Nemo list',
    text: '[TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Lyon"}, "id": "a1b2c3d4e"}]',
    content: '',
    calls: [{ name: 'get_weather', arguments: { city: 'Lyon' } }],
  },
  {
    name: 'Mistral v11 name[ARGS]',
    text: '[TOOL_CALLS]get_weather[ARGS]{"city": "Nice"}',
    content: '',
    calls: [{ name: 'get_weather', arguments: { city: 'Nice' } }],
  },
  {
    name: 'Functionary v3.1',
    text: 'Sure. <function=get_weather>{"city": "Rome"}</function>',
    content: 'Sure. ',
    calls: [{ name: 'get_weather', arguments: { city: 'Rome' } }],
  },
  {
    name: 'LM Studio default format',
    text: '[TOOL_REQUEST]{"name": "get_time", "arguments": {}}[END_TOOL_REQUEST]',
    content: '',
    calls: [{ name: 'get_time', arguments: {} }],
  },
  {
    name: 'fenced JSON',
    text: 'Calling it:\n```json\n{"name": "get_weather", "arguments": {"city": "Madrid"}}\n```',
    content: 'Calling it:\n',
    calls: [{ name: 'get_weather', arguments: { city: 'Madrid' } }],
  },
  {
    name: 'OpenAI shape in tags, string-encoded arguments',
    text: '<tool_call>{"type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Tokyo\\"}"}}</tool_call>',
    content: '',
    calls: [{ name: 'get_weather', arguments: { city: 'Tokyo' } }],
  },
  {
    name: 'generic tool_calls object',
    text: '{"tool_calls": [{"name": "search_web", "arguments": {"query": "cats"}}]}',
    content: '',
    calls: [{ name: 'search_web', arguments: { query: 'cats' } }],
  },
  {
    name: 'single quotes and a trailing comma (repaired)',
    text: "<tool_call>{'name': 'get_weather', 'arguments': {'city': 'Lima',}}</tool_call>",
    content: '',
    calls: [{ name: 'get_weather', arguments: { city: 'Lima' } }],
  },
  {
    name: 'truncated JSON at EOS (repaired)',
    text: '<tool_call>{"name": "get_weather", "arguments": {"city": "Quito"',
    content: '',
    calls: [{ name: 'get_weather', arguments: { city: 'Quito' } }],
  },
  {
    name: 'a code block of another language is content',
    text: 'Use this:\n```python\nprint("<tool_call>")\n```\nDone.',
    content: 'Use this:\n```python\nprint("<tool_call>")\n```\nDone.',
    calls: [],
  },
  {
    name: 'JSON data that is not a call is content',
    text: '{"name": "Ada", "age": 36}',
    content: '{"name": "Ada", "age": 36}',
    calls: [],
  },
  {
    name: 'plain prose with brackets and angle signs',
    text: 'If a < b and [x] holds, then `y` is fine.',
    content: 'If a < b and [x] holds, then `y` is fine.',
    calls: [],
  },
];
