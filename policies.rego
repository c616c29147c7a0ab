# Aegis default policy (Rego v1), deny by default; after editing, run `npm run policy:build`.
# The gateway evaluates `decision` once per request and `tool_decision` for every MCP tool call.
#
# input: principal, route, model, request, content, usage, time, tool_call (src/policy/README.md).
# data:  aegis.yaml `policy.data` as prepared by src/policy/prepare-data.ts: `defaults` merged into
#        every role so each field is present (null = no limit), "*" endpoints expanded, name patterns
#        split into exact names and prefixes, each role's priority rank looked up.
#
# Why it reads the way it does: each rule or function invocation costs ~0.3 µs in wasm and the result
# object is hashed and serialised on every evaluation. So the principal's roles are merged once into
# `grant`, rules use `in` (one native builtin) instead of helper loops, and the decision is one flat
# object that the engine reshapes. Only builtins compiled into the wasm are used (sprintf would be a
# JS host call with a JSON round trip); the build rejects what the SDK cannot run at all (time.*,
# io.jwt.*, http.send): time, JWTs and lookups are done in TypeScript and arrive in `input`.
package aegis.authz

# ----------------------------------------------------------------------------------- the decisions

decision := {
	"allow": allow,
	"reasons": reasons,
	"max_tokens": max_tokens,
	"priority": priority,
	"truncation": grant.truncation,
	"tools_allowed": tools_allowed,
	"tools_removed": tools_removed,
	"tools_on_disallowed": grant.tools_on_disallowed,
	"mcp_servers": grant.mcp,
	"log_rag": log_rag,
	"redact": redact,
	"quotas": grant.quotas,
}

tool_decision := {
	"allow": tool_allow,
	"reasons": tool_reasons,
	"mcp_servers": grant.mcp,
	"redact": tool_redact,
}

default allow := false

allow if {
	endpoint_granted
	model_granted
	count(deny) == 0
}

default tool_allow := false

tool_allow if {
	endpoint_granted
	mcp_call_granted
	count(tool_deny) == 0
}

# Deny reasons when denied; on an allow, notes on what the obligations changed (possibly none).
reasons := sort(deny) if count(deny) > 0

else := ["no rule grants this request"] if not allow

else := sort(notes)

tool_reasons := sort(tool_deny) if count(tool_deny) > 0

else := ["no rule grants this tool call"] if not tool_allow

else := []

deny contains msg if some msg in principal_deny

tool_deny contains msg if some msg in principal_deny

# ------------------------------------------------------------------------------------- principal

# The principal's roles that the data defines and whose schedule covers the current time.
roles contains r if {
	some r in input.principal.roles
	data.roles[r].schedule == null
}

roles contains r if {
	some r in input.principal.roles
	s := data.roles[r].schedule
	s != null
	in_hours(s.hours_utc)
	in_weekdays(s.weekdays)
}

in_hours(null)

in_hours([from, to]) if {
	from <= to
	input.time.hour_utc >= from
	input.time.hour_utc < to
}

# A window such as [22, 6] wraps around midnight.
in_hours([from, to]) if {
	from > to
	not in_gap(from, to)
}

in_gap(from, to) if {
	input.time.hour_utc < from
	input.time.hour_utc >= to
}

in_weekdays(null)

in_weekdays(days) if input.time.weekday in days

roles_text := concat(", ", sort(roles))

# What the principal may do: its one role, or its roles merged with the most generous value winning.
# Rules below read `grant`, so the merge happens once per evaluation instead of once per rule.
grant := data.roles[r] if {
	count(roles) == 1
	some r in roles
}

else := merged if count(roles) > 1

else := {
	"endpoints": [], "model_groups": [], "max_tokens": 0, "max_prompt_tokens": 0,
	"priority": "standard", "priority_rank": 1000, "truncation": [], "tools": [], "tool_prefixes": [],
	"tools_on_disallowed": "deny", "mcp": {}, "images": false, "secrets_allowed": [], "log_rag": false,
	"quotas": {"requests_per_minute": 0, "tokens_per_day": 0},
}

merged := {
	"endpoints": union_of("endpoints"),
	"model_groups": union_of("model_groups"),
	"max_tokens": most([data.roles[r].max_tokens | some r in roles]),
	"max_prompt_tokens": most([data.roles[r].max_prompt_tokens | some r in roles]),
	"priority": best[1],
	"priority_rank": best[0],
	"truncation": union_of("truncation"),
	"tools": union_of("tools"),
	"tool_prefixes": union_of("tool_prefixes"),
	"tools_on_disallowed": strictest_tools,
	"mcp": {s: sort(tools) |
		some r in roles
		some s, _ in data.roles[r].mcp
		tools := {t | some r2 in roles; some t in object.get(data.roles[r2].mcp, s, [])}
	},
	"images": true in [data.roles[r].images | some r in roles],
	"secrets_allowed": union_of("secrets_allowed"),
	"log_rag": merged_log_rag,
	"quotas": {
		"requests_per_minute": most([data.roles[r].quotas.requests_per_minute | some r in roles]),
		"tokens_per_day": most([data.roles[r].quotas.tokens_per_day | some r in roles]),
	},
}

union_of(key) := sort({x | some r in roles; some x in data.roles[r][key]})

# null means "no limit", the most generous value of all.
most(values) := null if null in values

else := max(values)

best := sort([[data.roles[r].priority_rank, data.roles[r].priority] | some r in roles])[0]

# When roles disagree, refusing a request with a disallowed tool wins over removing the tool.
strictest_tools := "deny" if "deny" in [data.roles[r].tools_on_disallowed | some r in roles]

else := "remove"

# One role that keeps its exchanges out of RAG keeps the principal's out.
merged_log_rag := false if false in [data.roles[r].log_rag | some r in roles]

else := true

endpoint_granted if input.route.endpoint in grant.endpoints

principal_deny contains "the API key is blocked" if input.principal.id in data.blocked_keys

principal_deny contains msg if {
	count(roles) == 0
	msg := no_role_reason
}

no_role_reason := "none of the principal's roles is active at this time" if {
	some r in input.principal.roles
	data.roles[r]
}

else := "the principal has no role this policy knows"

principal_deny contains msg if {
	count(roles) > 0
	not endpoint_granted
	msg := concat("", ["endpoint \"", input.route.endpoint, "\" is not allowed for roles ", roles_text])
}

# ----------------------------------------------------------------------------------------- model

model_granted if not input.model

model_granted if "*" in grant.model_groups

model_granted if {
	some g in grant.model_groups
	group := data.model_groups[g]
	in_group(group)
	not excluded(group)
}

# A group names models by name, name@version or alias (exact or prefix*), by tag or by priority class.
model_ids := array.concat([input.model.name, concat("@", [input.model.name, input.model.version])], object.get(input.model, "aliases", []))

in_group(group) if {
	some id in model_ids
	id in group.models
}

in_group(group) if {
	some p in group.model_prefixes
	some id in model_ids
	startswith(id, p)
}

in_group(group) if {
	some t in group.tags
	t in input.model.tags
}

in_group(group) if input.model.priority in group.priorities

excluded(group) if {
	some t in group.exclude_tags
	t in input.model.tags
}

deny contains msg if {
	count(roles) > 0
	not model_granted
	msg := concat("", ["model \"", input.model.name, "\" is not allowed for roles ", roles_text])
}

# ------------------------------------------------------------------------------ caps (obligations)

# Never above the cap; the cap itself when the client asked for nothing; null only with no cap.
max_tokens := min([input.request.max_tokens, grant.max_tokens]) if {
	is_number(input.request.max_tokens)
	is_number(grant.max_tokens)
}

else := grant.max_tokens if is_number(grant.max_tokens)

else := input.request.max_tokens if is_number(input.request.max_tokens)

else := null

notes contains msg if {
	input.request.max_tokens > max_tokens
	msg := concat("", ["max_tokens ", format_int(input.request.max_tokens, 10), " capped to ", format_int(max_tokens, 10)])
}

# Priority: what the client or the model asks for, lowered to the best class the grant allows.
requested_priority := input.request.priority if is_string(input.request.priority)

else := input.model.priority if is_string(input.model.priority)

else := "standard"

priority := grant.priority if object.get(data.priorities, requested_priority, 1000) < grant.priority_rank

else := requested_priority

notes contains msg if {
	priority != requested_priority
	msg := concat("", ["priority lowered from ", requested_priority, " to ", priority])
}

# The grant's truncation list is the obligation (its first entry is the default strategy).
deny contains msg if {
	s := input.request.truncation
	not s in grant.truncation
	msg := concat("", ["truncation strategy \"", s, "\" is not allowed for roles ", roles_text])
}

# ----------------------------------------------------------------------------------------- tools

default request_tools := []

request_tools := input.request.tools

tool_granted(t) if t in grant.tools

tool_granted(t) if {
	some p in grant.tool_prefixes
	startswith(t, p)
}

tools_allowed := [t | some t in request_tools; tool_granted(t)]

tools_removed := [t | some t in request_tools; not tool_granted(t)]

deny contains msg if {
	count(tools_removed) > 0
	grant.tools_on_disallowed == "deny"
	msg := concat("", ["tools not allowed for roles ", roles_text, ": ", concat(", ", tools_removed)])
}

notes contains msg if {
	count(tools_removed) > 0
	grant.tools_on_disallowed == "remove"
	msg := concat("", ["tools removed by policy: ", concat(", ", tools_removed)])
}

# --------------------------------------------------------------------------------------- content

# Secret categories in facts the gateway computed over the prompt or a tool call's arguments
# (a fact is present, and true, only when found).
secrets_in(facts) := {category |
	some fact, category in {"has_private_key": "private_key", "has_cloud_credential": "cloud_credential", "has_api_key": "api_key", "has_jwt": "jwt"}
	facts[fact] == true
}

findings := secrets_in(input.content)

labels := {
	"private_key": "a private key",
	"cloud_credential": "a cloud credential",
	"api_key": "an API token",
	"jwt": "a JSON Web Token",
}

refused_secret(k) if {
	k in data.content.deny
	not k in grant.secrets_allowed
}

deny contains msg if {
	some k in findings
	refused_secret(k)
	msg := concat("", ["the prompt contains ", labels[k]])
}

deny contains msg if {
	input.request.has_images == true
	count(roles) > 0
	grant.images == false
	msg := concat("", ["images are not allowed for roles ", roles_text])
}

deny contains msg if {
	limit := grant.max_prompt_tokens
	is_number(limit)
	tokens := input.request.estimated_prompt_tokens
	tokens > limit
	msg := concat("", ["prompt of about ", format_int(tokens, 10), " tokens exceeds the limit of ", format_int(limit, 10)])
}

# ------------------------------------------------------------------------------------------- log

default log_rag := false

log_rag if {
	grant.log_rag == true
	input.route.endpoint in data.log.rag_endpoints
	not model_unloggable
}

model_unloggable if {
	some t in data.log.no_rag_tags
	t in input.model.tags
}

# The prepared list is already sorted and unique, so the common case (no secret found) builds nothing.
redact := data.log.redact if count(findings) == 0

else := sort(findings | {k | some k in data.log.redact})

# ---------------------------------------------------------------------------------------- quotas

deny contains msg if {
	limit := grant.quotas.requests_per_minute
	is_number(limit)
	used := input.usage.requests_last_minute
	used >= limit
	msg := concat("", ["quota exceeded: ", format_int(used, 10), " requests in the last minute, limit ", format_int(limit, 10)])
}

deny contains msg if {
	limit := grant.quotas.tokens_per_day
	is_number(limit)
	used := input.usage.tokens_today + object.get(input.request, "estimated_prompt_tokens", 0)
	used > limit
	msg := concat("", ["quota exceeded: ", format_int(used, 10), " tokens today including this prompt, limit ", format_int(limit, 10)])
}

# -------------------------------------------------------------------------------- MCP tool calls

# Server keys are names or "*"; tool patterns are names, "*" or a prefix ending in "*".
mcp_call_granted if {
	some s in [input.tool_call.server, "*"]
	some p in object.get(grant.mcp, s, [])
	matches(p, input.tool_call.tool)
}

matches(p, s) if p == s

matches("*", _)

matches(p, s) if {
	endswith(p, "*")
	startswith(s, trim_suffix(p, "*"))
}

tool_deny contains msg if {
	count(roles) > 0
	not mcp_call_granted
	msg := concat("", ["MCP tool \"", input.tool_call.server, "/", input.tool_call.tool, "\" is not allowed for roles ", roles_text])
}

# Argument rules: a string argument that matches a rule's pattern refuses the call.
tool_deny contains msg if {
	some rule in data.mcp.argument_rules
	matches(rule.server, input.tool_call.server)
	matches(rule.tool, input.tool_call.tool)
	value := input.tool_call.arguments[rule.argument]
	is_string(value)
	regex.match(rule.pattern, value)
	msg := concat("", [
		"argument \"", rule.argument, "\" of ", input.tool_call.server, "/", input.tool_call.tool,
		" is refused: ", rule.reason,
	])
}

tool_findings := secrets_in(object.get(input.tool_call, "content", {}))

tool_deny contains msg if {
	some k in tool_findings
	refused_secret(k)
	msg := concat("", ["the tool call's arguments contain ", labels[k]])
}

tool_redact := sort(tool_findings | {k | some k in data.log.redact})
