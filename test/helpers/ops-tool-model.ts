// The ops workload's badly behaved tool model: a scripted upstream (fake-upstream.ts) whose answers
// exercise every tool-call counter a real small model reaches only by chance. Under
// `tools.decoding: lenient` it writes an invalid call first and a valid one in the constrained
// retry, or a call whose arguments need coercion; without tools it just answers.
import type { ChatRequest } from '../../src/core';
import type { Reply } from './chat-script';

/** The one tool the workload offers it: integers, so "5" and "two" are wrong in different ways. */
export const addTool = {
  type: 'function' as const,
  function: {
    name: 'add',
    description: 'Adds two integers.',
    parameters: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'], additionalProperties: false },
  },
};

/** What the user asks for decides the model's mistake. */
export const askForRetry = 'Add two and three (retry).';
export const askForCoercion = 'Add five and three (coerce).';

const emulatedCall = (args: string) => `<tool_call>\n{"name": "add", "arguments": ${args}}\n</tool_call>`;

const userText = (request: ChatRequest) =>
  request.messages
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : ''))
    .join('\n');

export function badToolModel(request: ChatRequest): Reply {
  // The constrained retry: decoded under the call schema, the call is valid.
  if (request.response_format) return { content: JSON.stringify({ tool_calls: [{ name: 'add', arguments: { a: 2, b: 3 } }] }) };
  const asked = userText(request);
  // "two" is no integer, not even after coercion: a parse failure with the tool's name, retried.
  if (asked.includes(askForRetry)) return { content: emulatedCall('{"a": "two", "b": 3}') };
  // "5" coerces to 5: accepted as a repaired call.
  if (asked.includes(askForCoercion)) return { content: emulatedCall('{"a": "5", "b": 3}') };
  return { content: 'Hello.' };
}
