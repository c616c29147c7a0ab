// The data document: shipped defaults, merging config over them, validation, and preparation.
import { describe, expect, it } from 'vitest';
import { defaultPolicyData, mergePolicyData, preparePolicyData, validatePolicyData } from '../../../src/policy';

describe('policy data', () => {
  it('ships valid defaults', () => {
    expect(validatePolicyData(defaultPolicyData)).toEqual([]);
  });

  it('merges config over the defaults, adding entries and null removing one', () => {
    const merged = mergePolicyData(defaultPolicyData, { roles: { ops: { endpoints: ['admin'] }, batch: null as never }, blocked_keys: ['k_9'] });
    expect(Object.keys(merged.roles).sort()).toEqual(['admin', 'local', 'ops', 'readonly', 'user']);
    expect(merged.model_groups).toBe(defaultPolicyData.model_groups);
    expect(merged.blocked_keys).toEqual(['k_9']);
  });

  it("changes one field of a shipped role without losing the role's grants", () => {
    const merged = mergePolicyData(defaultPolicyData, { roles: { user: { max_tokens: 512 } } });
    expect(merged.roles.user).toEqual({ ...defaultPolicyData.roles.user, max_tokens: 512 });
    expect(defaultPolicyData.roles.user!.max_tokens).toBeUndefined();
  });

  it('merges nested objects at any depth and null removes a nested field', () => {
    const merged = mergePolicyData(defaultPolicyData, {
      roles: { batch: { quotas: { tokens_per_day: null as never } }, admin: { mcp: { github: ['search_*'] } } },
      defaults: { quotas: { requests_per_minute: 30 } },
    });
    expect(merged.roles.batch!.quotas).toEqual({ requests_per_minute: 600 });
    expect(merged.roles.batch!.max_tokens).toBe(8192);
    expect(merged.roles.admin!.mcp).toEqual({ '*': ['*'], github: ['search_*'] });
    expect(merged.defaults).toEqual({ ...defaultPolicyData.defaults, quotas: { requests_per_minute: 30, tokens_per_day: 2_000_000 } });
  });

  it('leaves no null behind in an entry the defaults lack', () => {
    const merged = mergePolicyData(defaultPolicyData, { roles: { ops: { endpoints: ['chat'], max_tokens: null as never } } });
    expect(merged.roles.ops).toEqual({ endpoints: ['chat'] });
  });

  it('replaces arrays and scalars whole', () => {
    const merged = mergePolicyData(defaultPolicyData, { roles: { user: { endpoints: ['chat'] } }, content: { deny: [] } });
    expect(merged.roles.user!.endpoints).toEqual(['chat']);
    expect(merged.roles.user!.model_groups).toEqual(['general']);
    expect(merged.content.deny).toEqual([]);
  });

  it('reports mistyped fields, unknown fields and unknown groups', () => {
    const problems = validatePolicyData({
      roles: { a: { max_tokens: '10', colour: 'red', model_groups: ['nope'] } },
      model_groups: {},
      mcp: { argument_rules: [{ argument: 'path', pattern: '(' }] },
    });
    expect(problems).toEqual([
      'roles.a.max_tokens has the wrong type',
      'roles.a.colour is not a known role field',
      'roles.a.model_groups names unknown group "nope"',
      'mcp.argument_rules[0].pattern is not a valid regular expression',
    ]);
  });

  it('prepares every role with every field, so rules read it without fallbacks', () => {
    const prepared = preparePolicyData(defaultPolicyData);
    expect(prepared.roles.user).toEqual({
      endpoints: ['chat', 'completions', 'embeddings', 'models', 'mcp'],
      model_groups: ['general'],
      max_tokens: 4096,
      max_prompt_tokens: 32768,
      priority: 'standard',
      priority_rank: 1,
      truncation: ['drop-oldest', 'middle-out', 'refuse'],
      tools: [],
      tool_prefixes: [''],
      tools_on_disallowed: 'remove',
      mcp: { aegis: ['chat', 'list_models', 'rag_search', 'consult', 'task_status', 'task_result'] },
      images: true,
      secrets_allowed: [],
      log_rag: true,
      quotas: { requests_per_minute: 120, tokens_per_day: 2_000_000 },
      schedule: null,
    });
    expect(prepared.roles.admin!.endpoints).toEqual(['chat', 'completions', 'embeddings', 'models', 'admin', 'mcp']);
    expect(prepared.roles.admin!.quotas).toEqual({ requests_per_minute: null, tokens_per_day: null });
    expect(prepared.model_groups.general).toEqual({ models: [], model_prefixes: [''], tags: [], priorities: [], exclude_tags: ['restricted'] });
    expect(prepared.mcp.argument_rules[0]).toMatchObject({ server: '*', tool: '*', argument: 'path' });
  });
});
