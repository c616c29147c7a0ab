// Stage 4's port, answered by OPA: the wasm decision for a request, with its obligations applied
// (max_tokens cap, tools removed, priority, logging and redaction), a 403 policy_denied, or a 429
// for a spent quota.
import type { Clock, ExchangeApi } from '../core';
import { allowedTools, buildPolicyInput, buildToolCallInput, enforce, isQuotaDenial, type PolicyEngine } from '../policy';
import type { AuditSink, Authorization, RequestPolicy } from './deps';
import { estimatePromptTokens } from './exchange/token-estimate';
import { quotaExceededError } from './quota-error';
import type { UsageMeter } from './usage-meter';

/** The path the policy sees: the door the client spoke (`api`), else the route's own. */
const routePath = (route: string, api: ExchangeApi = 'chat') => (api === 'chat' ? `/v1/${route === 'chat' ? 'chat/completions' : route}` : `/v1/${api}`);

export function opaRequestPolicy(engine: PolicyEngine, clock: Clock, usage: UsageMeter, audit: AuditSink | undefined): RequestPolicy {
  return {
    check<R extends Record<string, unknown>>({
      principal,
      route,
      api = 'chat',
      model,
      request,
      requestId,
      truncation,
    }: Parameters<RequestPolicy['check']>[0] & { request: R }): Authorization<R> {
      const facts = usage.facts(principal.id);
      const input = buildPolicyInput({
        principal,
        // The agent APIs are chat exchanges to the policy (roles grant `chat`); the path says which door.
        route: { method: 'POST', path: routePath(route, api), endpoint: route },
        model,
        body: request,
        estimatedPromptTokens: estimatePromptTokens(request),
        usage: facts,
        truncation,
        nowMs: clock.now(),
      });
      const decision = engine.decide(input);
      // A denial ends the request here, so it is audited here. An allow is audited from the record of
      // the exchange that follows (ExchangeRecord.decision): one outbox item per request, not two.
      if (!decision.allow) {
        audit?.({
          type: 'policy.decision',
          actor: principal.id,
          target: `${model.name}@${model.version}`,
          outcome: 'deny',
          requestId,
          decisionId: decision.id,
          details: { route, reasons: decision.reasons },
        });
        if (isQuotaDenial(decision)) throw quotaExceededError(decision, principal.id, facts, usage);
        enforce(decision);
      }
      usage.admit(principal.id);
      const o = decision.obligations;
      const out: R = { ...request };
      if (o.max_tokens != null) {
        // Cap whichever field the client used; set max_tokens when it sent none.
        const field = request.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
        const asked = request[field] as number | null | undefined;
        Object.assign(out, { [field]: asked == null ? o.max_tokens : Math.min(asked, o.max_tokens) });
      }
      if (Array.isArray(request.tools)) {
        const tools = allowedTools(request.tools as never[], o);
        if (tools.length > 0) Object.assign(out, { tools });
        else {
          delete out.tools;
          delete out.tool_choice;
        }
      }
      return {
        id: decision.id,
        reasons: decision.reasons,
        request: out,
        priority: o.priority ?? undefined,
        truncation: o.truncation,
        log: o.log.rag,
        redact: o.log.redact,
        mcpServers: o.mcp.servers,
      };
    },

    checkEndpointTool({ principal, tool, arguments: args }) {
      const nowMs = clock.now();
      const requestInput = buildPolicyInput({ principal, route: { method: 'POST', path: '/mcp', endpoint: 'mcp' }, nowMs });
      const d = engine.decide(buildToolCallInput(requestInput, { server: 'aegis', tool, arguments: args }, nowMs));
      return { id: d.id, allow: d.allow, reasons: d.reasons };
    },

    mayUse({ principal, model }) {
      const input = buildPolicyInput({ principal, route: { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat' }, model, nowMs: clock.now() });
      const d = engine.decide(input);
      // A spent quota still leaves the model the caller's: it is listed.
      return d.allow || isQuotaDenial(d);
    },

    // `tool_decision` for one call of the MCP loop. Its audit entry is the loop's (one per call,
    // with the outcome), so nothing is audited here.
    checkTool({ principal, route, model, call }) {
      const nowMs = clock.now();
      const requestInput = buildPolicyInput({ principal, route: { method: 'POST', path: routePath(route), endpoint: route }, model, nowMs });
      const d = engine.decide(buildToolCallInput(requestInput, { server: call.server, tool: call.tool, arguments: call.arguments, round: call.round }, nowMs));
      return { id: d.id, allow: d.allow, reasons: d.reasons };
    },
  };
}
