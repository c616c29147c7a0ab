// The JSON schema a constrained call is decoded under, built from the request's tools the way
// llama.cpp's "Generic" format does: either a list of calls to declared tools with arguments that
// match each tool's `parameters`, or a plain answer. Runtimes turn it into a grammar (llama.cpp's
// json-schema-to-grammar, which Ollama's `format` and llama-cpp-python's `response_format` use), so
// even a 135M model can only write a well-formed call.
import type { ToolCatalog, ToolSpec } from './catalog';
import type { ToolChoice } from './types';
import type { JsonObject } from './validate';

export interface CallSchemaOptions {
  catalog: ToolCatalog;
  choice: ToolChoice;
  /** Most calls in one answer (1 when the client turned parallel_tool_calls off). */
  maxCalls: number;
}

/**
 * A tool's arguments schema for the grammar. Extra properties are closed off where the tool left
 * it open: a grammar that allows any further key lets small models ramble on inventing keys.
 */
function argumentsSchema(spec: ToolSpec): JsonObject {
  const p = spec.parameters;
  if (!p) return { type: 'object', properties: {}, additionalProperties: false };
  const { $schema: _drop, ...rest } = p;
  if (rest.type === 'object' && rest.properties && rest.additionalProperties === undefined) return { ...rest, additionalProperties: false };
  return rest;
}

function callOf(spec: ToolSpec): JsonObject {
  return {
    type: 'object',
    properties: { name: { const: spec.name }, arguments: argumentsSchema(spec) },
    required: ['name', 'arguments'],
    additionalProperties: false,
  };
}

export function callSchema({ catalog, choice, maxCalls }: CallSchemaOptions): JsonObject {
  const specs = choice.kind === 'named' ? catalog.specs.filter((s) => s.name === choice.name) : catalog.specs;
  const items = specs.length === 1 ? callOf(specs[0]!) : { anyOf: specs.map(callOf) };
  const calls: JsonObject = {
    type: 'object',
    properties: { tool_calls: { type: 'array', items, minItems: 1, maxItems: maxCalls } },
    required: ['tool_calls'],
    additionalProperties: false,
  };
  if (choice.kind !== 'auto') return calls;
  const answer = { type: 'object', properties: { response: { type: 'string' } }, required: ['response'], additionalProperties: false };
  return { anyOf: [calls, answer] };
}
