# Rego unit tests for policies.rego, one or more allow and deny cases per rule; run by
# `aegis policy test` (opa test). Data is written in the prepared shape (src/policy/prepare-data.ts).
package aegis.authz_test

import data.aegis.authz

# ------------------------------------------------------------------------------------ fixtures

user_role := {
	"endpoints": ["chat", "completions", "embeddings", "models", "mcp"],
	"model_groups": ["general"],
	"max_tokens": 4096,
	"max_prompt_tokens": 8000,
	"priority": "standard",
	"priority_rank": 1,
	"truncation": ["drop-oldest", "refuse"],
	"tools": ["get_weather"],
	"tool_prefixes": ["search_"],
	"tools_on_disallowed": "remove",
	"mcp": {"aegis": ["chat", "list_models"], "fs": ["read_*"]},
	"images": true,
	"secrets_allowed": [],
	"log_rag": true,
	"quotas": {"requests_per_minute": 60, "tokens_per_day": 100000},
	"schedule": null,
}

roles_fixture := {
	"user": user_role,
	"admin": object.union(user_role, {
		"endpoints": ["chat", "completions", "embeddings", "models", "admin", "mcp"],
		"model_groups": ["*"], "max_tokens": null, "max_prompt_tokens": null,
		"priority": "critical", "priority_rank": 0, "mcp": {"*": ["*"]},
		"quotas": {"requests_per_minute": null, "tokens_per_day": null},
	}),
	"strict": object.union(user_role, {
		"tools_on_disallowed": "deny", "images": false, "log_rag": false,
		"truncation": ["refuse"], "max_tokens": 1024,
	}),
	"coder": object.union(user_role, {"model_groups": ["code"], "max_tokens": 16384, "truncation": ["middle-out"]}),
	"batch": object.union(user_role, {"priority": "batch", "priority_rank": 2, "schedule": {"hours_utc": [22, 6], "weekdays": null}}),
	"weekday": object.union(user_role, {"schedule": {"hours_utc": [8, 18], "weekdays": [1, 2, 3, 4, 5]}}),
	"weekend": object.union(user_role, {"schedule": {"hours_utc": null, "weekdays": [0, 6]}}),
	"auditor": object.union(user_role, {"secrets_allowed": ["private_key"]}),
	"readonly": object.union(user_role, {"endpoints": ["models"], "model_groups": []}),
}

groups_fixture := {
	"general": {"models": [], "model_prefixes": [""], "tags": [], "priorities": [], "exclude_tags": ["restricted"]},
	"code": {"models": ["coder-7b@2", "qc"], "model_prefixes": ["deepseek-"], "tags": ["code"], "priorities": ["batch"], "exclude_tags": []},
}

log_fixture := {"rag_endpoints": ["chat", "completions"], "no_rag_tags": ["no-log"], "redact": ["jwt"]}

mcp_fixture := {"argument_rules": [{"server": "*", "tool": "*", "argument": "path", "pattern": "(^|/)\\.ssh(/|$)", "reason": "credential files are off limits"}]}

no_secrets := {"has_private_key": false, "has_cloud_credential": false, "has_api_key": false, "has_jwt": false}

base := {
	"principal": {"id": "k_1", "name": "alice", "roles": ["user"]},
	"route": {"method": "POST", "path": "/v1/chat/completions", "endpoint": "chat"},
	"model": {"name": "qwen2.5-7b", "version": "1", "aliases": ["qwen"], "tags": ["general"], "priority": "standard", "upstream": "lmstudio"},
	"request": {"stream": false, "estimated_prompt_tokens": 100, "tools": [], "has_images": false},
	"content": no_secrets,
	"usage": {"requests_last_minute": 0, "tokens_today": 0},
	"time": {"now_ms": 0, "hour_utc": 12, "weekday": 3},
}

# `patch` deep-merged over `base` (object.union merges nested objects).
decide(patch) := d if {
	d := authz.decision with input as object.union(base, patch)
		with data.roles as roles_fixture
		with data.model_groups as groups_fixture
		with data.priorities as {"critical": 0, "standard": 1, "batch": 2}
		with data.content as {"deny": ["private_key", "cloud_credential"]}
		with data.log as log_fixture
		with data.mcp as mcp_fixture
		with data.blocked_keys as ["k_blocked"]
}

call(roles, tool_call) := d if {
	inp := {
		"principal": {"id": "k_1", "roles": roles},
		"route": {"method": "POST", "path": "/v1/chat/completions", "endpoint": "chat"},
		"time": {"now_ms": 0, "hour_utc": 12, "weekday": 3},
		"tool_call": object.union({"arguments": {}, "content": no_secrets}, tool_call),
	}
	d := authz.tool_decision with input as inp
		with data.roles as roles_fixture
		with data.model_groups as groups_fixture
		with data.priorities as {"critical": 0, "standard": 1, "batch": 2}
		with data.content as {"deny": ["private_key", "cloud_credential"]}
		with data.log as log_fixture
		with data.mcp as mcp_fixture
		with data.blocked_keys as ["k_blocked"]
}

as_roles(roles) := {"principal": {"roles": roles}}

has_reason(d, text) if {
	some r in d.reasons
	contains(r, text)
}

# ------------------------------------------------------------------------- principal and roles

test_user_chat_allowed if {
	d := decide({})
	d.allow
	d.reasons == []
}

test_no_roles_denied if {
	d := decide(as_roles([]))
	not d.allow
	has_reason(d, "no role this policy knows")
}

test_unknown_role_denied if {
	d := decide(as_roles(["nobody"]))
	not d.allow
	has_reason(d, "no role this policy knows")
}

test_blocked_key_denied if {
	d := decide({"principal": {"id": "k_blocked"}})
	not d.allow
	has_reason(d, "blocked")
}

test_schedule_wrapping_midnight if {
	decide({"principal": {"roles": ["batch"]}, "time": {"hour_utc": 23}}).allow
	decide({"principal": {"roles": ["batch"]}, "time": {"hour_utc": 3}}).allow
	d := decide({"principal": {"roles": ["batch"]}, "time": {"hour_utc": 12}})
	not d.allow
	has_reason(d, "active at this time")
}

test_schedule_hours_and_weekdays if {
	decide({"principal": {"roles": ["weekday"]}, "time": {"hour_utc": 9, "weekday": 1}}).allow
	not decide({"principal": {"roles": ["weekday"]}, "time": {"hour_utc": 9, "weekday": 0}}).allow
	not decide({"principal": {"roles": ["weekday"]}, "time": {"hour_utc": 18, "weekday": 2}}).allow
}

test_schedule_weekdays_only if {
	decide({"principal": {"roles": ["weekend"]}, "time": {"weekday": 6}}).allow
	not decide({"principal": {"roles": ["weekend"]}, "time": {"weekday": 2}}).allow
}

test_inactive_role_does_not_block_an_active_one if {
	d := decide({"principal": {"roles": ["batch", "user"]}, "time": {"hour_utc": 12}})
	d.allow
	d.priority == "standard"
}

# -------------------------------------------------------------------------------- endpoints

test_endpoint_not_granted_denied if {
	d := decide({"principal": {"roles": ["readonly"]}})
	not d.allow
	has_reason(d, "endpoint \"chat\" is not allowed for roles readonly")
}

test_models_endpoint_needs_no_model if {
	d := authz.decision with input as object.remove(object.union(base, {"principal": {"roles": ["readonly"]}, "route": {"endpoint": "models"}}), ["model"])
		with data.roles as roles_fixture
		with data.model_groups as groups_fixture
		with data.priorities as {"critical": 0, "standard": 1, "batch": 2}
		with data.content as {"deny": []}
		with data.log as log_fixture
		with data.mcp as mcp_fixture
		with data.blocked_keys as []
	d.allow
}

test_admin_endpoint_only_for_admin if {
	decide({"principal": {"roles": ["admin"]}, "route": {"endpoint": "admin"}}).allow
	not decide({"route": {"endpoint": "admin"}}).allow
}

test_roles_merge_endpoints if {
	decide({"principal": {"roles": ["readonly", "user"]}}).allow
}

# ----------------------------------------------------------------------------------- models

coder(model) := decide({"principal": {"roles": ["coder"]}, "model": model})

test_model_by_name_at_version if {
	coder({"name": "coder-7b", "version": "2", "aliases": [], "tags": [], "priority": "standard"}).allow
	not coder({"name": "coder-7b", "version": "1", "aliases": [], "tags": [], "priority": "standard"}).allow
}

test_model_by_alias if coder({"name": "qwen-coder", "version": "1", "aliases": ["qc"], "tags": [], "priority": "standard"}).allow

test_model_by_prefix if coder({"name": "deepseek-coder", "version": "1", "aliases": [], "tags": [], "priority": "standard"}).allow

test_model_by_tag if coder({"name": "x", "version": "1", "aliases": [], "tags": ["code"], "priority": "standard"}).allow

test_model_by_priority_class if coder({"name": "x", "version": "1", "aliases": [], "tags": [], "priority": "batch"}).allow

test_model_outside_groups_denied if {
	d := coder({"name": "llama3", "version": "1", "aliases": [], "tags": [], "priority": "standard"})
	not d.allow
	has_reason(d, "model \"llama3\" is not allowed for roles coder")
}

test_excluded_tag_denied if {
	d := decide({"model": {"tags": ["restricted"]}})
	not d.allow
	has_reason(d, "model \"qwen2.5-7b\" is not allowed")
	decide({"principal": {"roles": ["admin"]}, "model": {"tags": ["restricted"]}}).allow
}

# -------------------------------------------------------------------------------------- caps

test_max_tokens_capped if {
	d := decide({"request": {"max_tokens": 10000}})
	d.allow
	d.max_tokens == 4096
	has_reason(d, "max_tokens 10000 capped to 4096")
}

test_max_tokens_under_cap_kept if {
	d := decide({"request": {"max_tokens": 100}})
	d.max_tokens == 100
	d.reasons == []
}

test_max_tokens_defaults_to_cap if decide({}).max_tokens == 4096

test_max_tokens_uncapped_role if {
	decide({"principal": {"roles": ["admin"]}, "request": {"max_tokens": 50000}}).max_tokens == 50000
	decide({"principal": {"roles": ["admin"]}}).max_tokens == null
}

test_most_generous_role_sets_cap if decide({"principal": {"roles": ["strict", "coder"]}, "model": {"tags": ["code"]}, "request": {"max_tokens": 20000}}).max_tokens == 16384

test_priority_lowered_to_ceiling if {
	d := decide({"principal": {"roles": ["batch"]}, "time": {"hour_utc": 23}})
	d.priority == "batch"
	has_reason(d, "priority lowered from standard to batch")
}

test_priority_requested_kept_when_allowed if {
	decide({"request": {"priority": "batch"}}).priority == "batch"
	decide({"principal": {"roles": ["admin"]}, "request": {"priority": "critical"}}).priority == "critical"
	decide({"request": {"priority": "critical"}}).priority == "standard"
}

test_truncation_obligation if {
	decide({}).truncation == ["drop-oldest", "refuse"]
	decide({"request": {"truncation": "drop-oldest"}}).allow
}

test_truncation_not_allowed_denied if {
	d := decide({"principal": {"roles": ["strict"]}, "request": {"truncation": "drop-oldest"}})
	not d.allow
	has_reason(d, "truncation strategy \"drop-oldest\" is not allowed")
}

# ------------------------------------------------------------------------------------- tools

test_request_without_tools if {
	d := authz.decision with input as json.remove(base, ["request/tools"])
		with data.roles as roles_fixture
		with data.model_groups as groups_fixture
		with data.priorities as {"critical": 0, "standard": 1, "batch": 2}
		with data.content as {"deny": []}
		with data.log as log_fixture
		with data.mcp as mcp_fixture
		with data.blocked_keys as []
	d.allow
	d.tools_allowed == []
	d.tools_removed == []
}

test_allowed_tools_kept if {
	d := decide({"request": {"tools": ["get_weather", "search_web"]}})
	d.allow
	d.tools_allowed == ["get_weather", "search_web"]
	d.tools_removed == []
}

test_disallowed_tool_removed if {
	d := decide({"request": {"tools": ["get_weather", "run_shell"]}})
	d.allow
	d.tools_allowed == ["get_weather"]
	d.tools_removed == ["run_shell"]
	d.tools_on_disallowed == "remove"
	has_reason(d, "tools removed by policy: run_shell")
}

test_disallowed_tool_refused if {
	d := decide({"principal": {"roles": ["strict"]}, "request": {"tools": ["run_shell"]}})
	not d.allow
	has_reason(d, "tools not allowed for roles strict: run_shell")
}

# ------------------------------------------------------------------------------------ MCP

test_mcp_obligation_lists_servers if decide({}).mcp_servers == {"aegis": ["chat", "list_models"], "fs": ["read_*"]}

test_mcp_call_allowed if {
	d := call(["user"], {"server": "aegis", "tool": "chat"})
	d.allow
	d.reasons == []
}

test_mcp_call_by_prefix if call(["user"], {"server": "fs", "tool": "read_file", "arguments": {"path": "/tmp/x"}}).allow

test_mcp_call_tool_not_granted if {
	d := call(["user"], {"server": "fs", "tool": "write_file"})
	not d.allow
	has_reason(d, "MCP tool \"fs/write_file\" is not allowed for roles user")
}

test_mcp_call_server_not_granted if not call(["user"], {"server": "github", "tool": "create_issue"}).allow

test_mcp_wildcard_server if call(["admin"], {"server": "github", "tool": "create_issue"}).allow

test_mcp_call_without_role_denied if {
	d := call([], {"server": "aegis", "tool": "chat"})
	not d.allow
	has_reason(d, "no role")
}

test_mcp_argument_rule_denies if {
	d := call(["admin"], {"server": "fs", "tool": "read_file", "arguments": {"path": "/home/a/.ssh/id_rsa"}})
	not d.allow
	has_reason(d, "argument \"path\" of fs/read_file is refused: credential files are off limits")
}

test_mcp_arguments_with_secret_denied if {
	d := call(["user"], {"server": "aegis", "tool": "chat", "content": object.union(no_secrets, {"has_cloud_credential": true})})
	not d.allow
	has_reason(d, "the tool call's arguments contain a cloud credential")
}

test_mcp_call_redacts_findings if call(["user"], {"server": "aegis", "tool": "chat", "content": object.union(no_secrets, {"has_api_key": true})}).redact == ["api_key", "jwt"]

# -------------------------------------------------------------------------------- content

test_private_key_denied if {
	d := decide({"content": {"has_private_key": true}})
	not d.allow
	has_reason(d, "the prompt contains a private key")
}

test_cloud_credential_denied if {
	d := decide({"content": {"has_cloud_credential": true}})
	not d.allow
	has_reason(d, "a cloud credential")
}

test_secret_exemption if decide({"principal": {"roles": ["auditor"]}, "content": {"has_private_key": true}}).allow

test_api_key_allowed_and_redacted if {
	d := decide({"content": {"has_api_key": true}})
	d.allow
	d.redact == ["api_key", "jwt"]
}

test_images_denied_for_role if {
	decide({"request": {"has_images": true}}).allow
	d := decide({"principal": {"roles": ["strict"]}, "request": {"has_images": true}})
	not d.allow
	has_reason(d, "images are not allowed for roles strict")
}

test_prompt_token_limit if {
	decide({"request": {"estimated_prompt_tokens": 8000}}).allow
	d := decide({"request": {"estimated_prompt_tokens": 8001}})
	not d.allow
	has_reason(d, "prompt of about 8001 tokens exceeds the limit of 8000")
	decide({"principal": {"roles": ["admin"]}, "request": {"estimated_prompt_tokens": 900000}, "usage": {"tokens_today": 0}}).allow
}

# ------------------------------------------------------------------------------------- log

test_rag_logging_for_chat if decide({}).log_rag == true

test_no_rag_for_embeddings if decide({"route": {"endpoint": "embeddings"}}).log_rag == false

test_no_rag_for_opted_out_role if decide({"principal": {"roles": ["strict"]}}).log_rag == false

test_no_rag_for_tagged_model if decide({"model": {"tags": ["no-log"]}}).log_rag == false

test_redact_always_list if decide({}).redact == ["jwt"]

# ------------------------------------------------------------------------------------ quotas

test_requests_per_minute_quota if {
	decide({"usage": {"requests_last_minute": 59}}).allow
	d := decide({"usage": {"requests_last_minute": 60}})
	not d.allow
	has_reason(d, "quota exceeded: 60 requests in the last minute, limit 60")
}

test_tokens_per_day_quota if {
	decide({"usage": {"tokens_today": 99900}}).allow
	d := decide({"usage": {"tokens_today": 99950}})
	not d.allow
	has_reason(d, "tokens today including this prompt, limit 100000")
}

test_unlimited_quota if decide({"principal": {"roles": ["admin"]}, "usage": {"requests_last_minute": 100000, "tokens_today": 10000000000}}).allow

test_most_generous_quota_wins if decide({"principal": {"roles": ["user", "admin"]}, "usage": {"requests_last_minute": 1000}}).allow
