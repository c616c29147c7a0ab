// How one request's tools are served, decided before any upstream call: passed through to a
// runtime that has them, emulated in the prompt (constrained where the runtime can decode under a
// schema), or refused with a 400 for a model that takes no tools. Requests without tools and
// without tool history return undefined at once: they pay nothing here.
import { GatewayError, isFunctionTool, type ChatMessage, type ChatRequest } from '../core';
import { ToolCatalog } from './catalog';
import type { ToolsConfig } from './config-schema';
import { hasToolHistory, instructions, rewriteHistory, withInstructions, type Protocol } from './prompt';
import { callSchema } from './schema';
import type { ToolChoice, ToolMode, ToolSupport } from './types';

/** What the runtime serving the model does with OpenAI tools. */
export interface RuntimeTooling {
  /** It turns the model's text into tool_calls itself (Ollama, llama-server with --jinja). */
  parsesCalls: boolean;
  /** It enforces tool_choice `required` and named functions (Ollama ignores them). */
  honoursToolChoice: boolean;
  /** It decodes under a JSON schema given as OpenAI's `response_format` (translated per adapter). */
  constrains: boolean;
}

export interface ToolPlanInput {
  request: ChatRequest;
  support: ToolSupport;
  /** The public model name, for error messages. */
  model: string;
  runtime: RuntimeTooling;
  config: ToolsConfig;
}

/** Fields of the upstream request that the plan replaces. */
export interface UpstreamFields {
  messages: ChatMessage[];
  tools?: ChatRequest['tools'];
  tool_choice?: ChatRequest['tool_choice'];
  response_format?: ChatRequest['response_format'];
  parallel_tool_calls?: boolean;
}

export interface ToolPlan {
  mode: ToolMode;
  catalog: ToolCatalog;
  choice: ToolChoice;
  parallel: boolean;
  upstream: UpstreamFields;
  /** How the answer is read: not at all, as free text with tool syntax, or as the constrained JSON. */
  parse: 'none' | 'text' | 'json';
  /** Whether an invalid freely decoded call may get one constrained retry. */
  retry: boolean;
  /** The upstream fields of a constrained retry that admits only `choice`. */
  constrained(choice: ToolChoice): UpstreamFields;
}

const empty = ToolCatalog.of([]);

/** tool_choice as a plain value; a named function must be one of the tools. */
export function toolChoice(request: ChatRequest, catalog: ToolCatalog): ToolChoice {
  const c = request.tool_choice;
  if (c === undefined || c === 'auto') return { kind: 'auto' };
  if (c === 'none' || c === 'required') return { kind: c };
  const fn = c.function;
  const name = typeof fn === 'object' && fn !== null && 'name' in fn && typeof fn.name === 'string' ? fn.name : undefined;
  if (!name) throw new GatewayError('invalid_request', "Invalid value for 'tool_choice': a function choice needs function.name.", { param: 'tool_choice' });
  if (!catalog.has(name))
    throw new GatewayError('invalid_request', `Invalid value for 'tool_choice': no tool named \`${name}\` in tools.`, { param: 'tool_choice' });
  return { kind: 'named', name };
}

function historyOnly(messages: readonly ChatMessage[]): ToolPlan {
  const upstream = { messages: rewriteHistory(messages, 'tags'), tools: undefined, tool_choice: undefined };
  return { mode: 'emulated', catalog: empty, choice: { kind: 'none' }, parallel: false, upstream, parse: 'none', retry: false, constrained: () => upstream };
}

export function planTools({ request, support, model, runtime, config }: ToolPlanInput): ToolPlan | undefined {
  // MCP entries are gone by now (stage 4a replaced them with their servers' functions).
  const declared = (request.tools ?? []).filter(isFunctionTool);
  if (declared.length === 0) {
    if (request.tool_choice !== undefined && request.tool_choice !== 'none' && request.tool_choice !== 'auto') {
      throw new GatewayError('invalid_request', "Invalid value for 'tool_choice': tool_choice is only allowed when tools are specified.", {
        param: 'tool_choice',
      });
    }
    // History from an earlier tool round, for a model whose template cannot render it.
    return support !== 'native' && hasToolHistory(request.messages) ? historyOnly(request.messages) : undefined;
  }
  const catalog = ToolCatalog.of(declared);
  const choice = toolChoice(request, catalog);
  if (support === 'none' && choice.kind !== 'none') {
    throw new GatewayError('capability_not_supported', `The model \`${model}\` does not support tools; send the request without \`tools\`.`, {
      param: 'tools',
    });
  }
  const parallel = request.parallel_tool_calls !== false;
  const maxCalls = parallel ? config.maxCalls : 1;
  const render = (protocol: Protocol, c: ToolChoice): ChatMessage[] =>
    withInstructions(
      rewriteHistory(request.messages, protocol),
      instructions({ catalog, choice: c, protocol, placement: config.instructions, parallel }),
      config.instructions,
    );
  const constrained = (c: ToolChoice): UpstreamFields => ({
    messages: render('json', c),
    tools: undefined,
    tool_choice: undefined,
    parallel_tool_calls: undefined,
    response_format: { type: 'json_schema', json_schema: { name: 'tool_calls', strict: true, schema: callSchema({ catalog, choice: c, maxCalls }) } },
  });
  const base = { catalog, choice, parallel, constrained };
  if (choice.kind === 'none') {
    if (support === 'native') return undefined;
    return { ...historyOnly(request.messages), ...base, constrained };
  }
  // A client's own response_format cannot be combined with the call schema: decoding stays free.
  const canConstrain = runtime.constrains && request.response_format == null;
  if (support === 'native') {
    const enforce = choice.kind !== 'auto' && !runtime.honoursToolChoice && canConstrain;
    if (!enforce) return { ...base, mode: 'native', upstream: { messages: request.messages }, parse: runtime.parsesCalls ? 'none' : 'text', retry: false };
    // Ollama ignores tool_choice: a required or named call is made under the call schema instead.
    return { ...base, mode: 'constrained', upstream: constrained(choice), parse: 'json', retry: false };
  }
  if (config.decoding === 'constrained' && canConstrain) return { ...base, mode: 'constrained', upstream: constrained(choice), parse: 'json', retry: false };
  const upstream = { messages: render('tags', choice), tools: undefined, tool_choice: undefined, parallel_tool_calls: undefined };
  return { ...base, mode: 'emulated', upstream, parse: 'text', retry: config.retry && runtime.constrains && request.response_format == null };
}
