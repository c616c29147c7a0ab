// The tools of `/mcp` as the gateway runs them: each call decided by policy (`tool_decision` for
// server `aegis`) and audited; chat and consult then run as ordinary exchanges (decided again,
// counted, recorded). Refusals and failures are results the agent reads (isError), never
// transport errors.
import { createHash } from 'node:crypto';
import { GatewayError, toGatewayError, type ChatMessage } from '../../core';
import {
  TaskTable,
  TaskTableFull,
  type Task,
  type ChatArguments,
  type EndpointBackend,
  type EndpointCall,
  type RagSearchArguments,
  type ToolReply,
} from '../../mcp';
import type { McpEndpointSettings } from '../deps';
import type { Principal } from '../keys';
import { endpointsOf } from '../routes/models';
import type { DoorTarget } from '../routes/serve-door';
import { consult } from './consult';
import { ragSearchReply } from './rag-search';
import { runChat, type ChatRun } from './run-chat';

const failure = (err: unknown): ToolReply => {
  const e = toGatewayError(err);
  return { text: `Error (${e.code}): ${e.message}`, structured: { error: { code: e.code, message: e.message } }, isError: true };
};

export function chatMessages(a: ChatArguments): ChatMessage[] {
  if (a.messages) return a.messages as ChatMessage[];
  return [...(a.system ? [{ role: 'system' as const, content: a.system }] : []), { role: 'user' as const, content: a.prompt ?? '' }];
}

function chatReply(run: ChatRun): ToolReply {
  const usage = run.usage;
  return {
    text: run.answer,
    structured: {
      answer: run.answer,
      model: run.model,
      finish_reason: run.finishReason,
      request_id: run.requestId,
      ...(usage ? { usage } : {}),
    },
  };
}

export function gatewayBackend(target: DoorTarget, settings: McpEndpointSettings = {}): EndpointBackend {
  const { deps } = target;
  const tasks = new TaskTable<ChatRun>({ clock: deps.clock, maxTasks: settings.maxTasks, ttlMs: settings.taskTtlMs });

  function audit(principal: Principal, call: EndpointCall, outcome: 'allow' | 'deny' | 'ok' | 'error', decisionId?: string, details?: Record<string, unknown>) {
    const args = createHash('sha256').update(JSON.stringify(call.arguments)).digest('hex');
    deps.audit?.({
      type: 'mcp.endpoint_call',
      actor: principal.id,
      target: `aegis/${call.tool}`,
      outcome,
      decisionId,
      details: { argumentsSha256: args, ...details },
    });
  }

  async function chat(principal: Principal, call: EndpointCall<'chat'>): Promise<ToolReply> {
    const a = call.arguments;
    const request = { model: a.model, messages: chatMessages(a), max_tokens: a.max_tokens, temperature: a.temperature };
    if (!a.async) return chatReply(await runChat(target, { principal, request, labels: { mcp_tool: 'chat' }, progress: call.progress, signal: call.signal }));
    // No signal: the task outlives the MCP request (and the client's connection) that started it.
    let task: Task<ChatRun>;
    try {
      task = tasks.start(principal.id, (t) =>
        runChat(target, { principal, request, labels: { mcp_tool: 'chat', task: t.id }, progress: (p) => (t.progress = p) }),
      );
    } catch (err) {
      if (err instanceof TaskTableFull) throw new GatewayError('queue_full', err.message, { retryAfter: 5 });
      throw err;
    }
    return { text: `Started task ${task.id}; fetch the answer with task_result.`, structured: { task_id: task.id, status: task.state } };
  }

  function listModels(principal: Principal): ToolReply {
    const models = deps
      .snapshot()
      .catalog.current()
      .filter((entry) => deps.policy?.mayUse?.({ principal, model: entry }) ?? true)
      .map((entry) => ({
        id: entry.name,
        version: entry.version,
        aliases: entry.aliases,
        context_length: entry.contextLength ?? null,
        capabilities: entry.capabilities,
        endpoints: endpointsOf(entry),
        loaded: deps.modelState?.(entry)?.loaded ?? null,
      }));
    return { text: models.map((m) => `${m.id}@${m.version}${m.loaded ? ' (loaded)' : ''}`).join('\n') || '(no models)', structured: { models } };
  }

  function taskReply(principal: Principal, call: EndpointCall<'task_status' | 'task_result'>): ToolReply {
    const task = tasks.get(call.arguments.task_id, principal.id);
    if (!task) return { text: `No task ${call.arguments.task_id} (unknown, someone else's, or expired).`, isError: true };
    const status = { task_id: task.id, status: task.state, progress: task.progress, ...(task.error ? { error: task.error } : {}) };
    if (call.tool === 'task_status') return { text: `${task.state}${task.progress ? `: ${task.progress}` : ''}`, structured: status };
    if (task.state === 'running')
      return { text: `Task ${task.id} is still running${task.progress ? ` (${task.progress})` : ''}.`, structured: status, isError: true };
    if (task.state === 'failed') return { text: `Error (${task.error?.code}): ${task.error?.message}`, structured: status, isError: true };
    return chatReply(task.result!);
  }

  async function run(principal: Principal, call: EndpointCall): Promise<ToolReply> {
    switch (call.tool) {
      case 'chat':
        return chat(principal, call as EndpointCall<'chat'>);
      case 'list_models':
        return listModels(principal);
      case 'rag_search':
        return ragSearchReply(deps.memory, call.arguments as RagSearchArguments);
      case 'consult':
        return consult(target, settings, principal, call as EndpointCall<'consult'>);
      default:
        return taskReply(principal, call as EndpointCall<'task_status' | 'task_result'>);
    }
  }

  return {
    async call(call) {
      const principal = call.caller as Principal;
      const decision = deps.policy?.checkEndpointTool?.({ principal, tool: call.tool, arguments: call.arguments as Record<string, unknown> });
      if (decision && !decision.allow) {
        audit(principal, call, 'deny', decision.id, { reasons: decision.reasons });
        return {
          text: `Error (policy_denied): ${decision.reasons.join('; ')}`,
          structured: { error: { code: 'policy_denied', reasons: decision.reasons } },
          isError: true,
        };
      }
      try {
        const reply = await run(principal, call);
        audit(principal, call, reply.isError ? 'error' : 'ok', decision?.id);
        return reply;
      } catch (err) {
        const e = toGatewayError(err);
        audit(principal, call, 'error', decision?.id, { code: e.code });
        return failure(e);
      }
    },
  };
}
