// Structural checks on a policy data document before it replaces the live one: Rego treats a
// mistyped field as absent (a string max_tokens silently means "no cap"), so catch that here.
import { isPlainObject, type PolicyData } from './data';

type Problems = string[];

const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

const ROLE_FIELDS: Record<string, (v: unknown) => boolean> = {
  endpoints: isStringArray,
  model_groups: isStringArray,
  max_tokens: (v) => typeof v === 'number' && v > 0,
  max_prompt_tokens: (v) => typeof v === 'number' && v > 0,
  priority: (v) => typeof v === 'string',
  truncation: isStringArray,
  tools: isStringArray,
  tools_on_disallowed: (v) => v === 'remove' || v === 'deny',
  mcp: (v) => isPlainObject(v) && Object.values(v).every(isStringArray),
  images: (v) => typeof v === 'boolean',
  secrets_allowed: isStringArray,
  log_rag: (v) => typeof v === 'boolean',
  quotas: (v) => isPlainObject(v) && Object.values(v).every((q) => typeof q === 'number' && q >= 0),
  schedule: isPlainObject,
};

function checkRole(where: string, role: unknown, problems: Problems): void {
  if (!isPlainObject(role)) {
    problems.push(`${where} must be an object`);
    return;
  }
  for (const [field, value] of Object.entries(role)) {
    const check = ROLE_FIELDS[field];
    if (!check) problems.push(`${where}.${field} is not a known role field`);
    else if (!check(value)) problems.push(`${where}.${field} has the wrong type`);
  }
}

/** Every problem found, as `path: message`; empty when the document is usable. */
export function validatePolicyData(data: unknown): string[] {
  const problems: Problems = [];
  if (!isPlainObject(data)) return ['policy data must be an object'];
  const d = data as Partial<PolicyData> & Record<string, unknown>;
  if (!isPlainObject(d.roles)) problems.push('roles must be an object');
  else for (const [name, role] of Object.entries(d.roles)) checkRole(`roles.${name}`, role, problems);
  if (d.defaults !== undefined) checkRole('defaults', d.defaults, problems);
  if (d.model_groups !== undefined) {
    if (!isPlainObject(d.model_groups)) problems.push('model_groups must be an object');
    else
      for (const [name, group] of Object.entries(d.model_groups)) {
        if (!isPlainObject(group)) problems.push(`model_groups.${name} must be an object`);
        else for (const [k, v] of Object.entries(group)) if (!isStringArray(v)) problems.push(`model_groups.${name}.${k} must be a list of strings`);
      }
  }
  if (isPlainObject(d.roles) && isPlainObject(d.model_groups)) {
    for (const [name, role] of Object.entries(d.roles)) {
      const groups = isPlainObject(role) && isStringArray(role.model_groups) ? (role.model_groups as string[]) : [];
      for (const g of groups) if (g !== '*' && !(g in d.model_groups)) problems.push(`roles.${name}.model_groups names unknown group "${g}"`);
    }
  }
  if (d.priorities !== undefined && !(isPlainObject(d.priorities) && Object.values(d.priorities).every((r) => typeof r === 'number'))) {
    problems.push('priorities must map class names to numeric ranks');
  }
  if (d.blocked_keys !== undefined && !isStringArray(d.blocked_keys)) problems.push('blocked_keys must be a list of strings');
  const rules = isPlainObject(d.mcp) ? d.mcp.argument_rules : undefined;
  if (rules !== undefined) {
    if (!Array.isArray(rules)) problems.push('mcp.argument_rules must be a list');
    else
      rules.forEach((r, i) => {
        if (!isPlainObject(r) || typeof r.argument !== 'string' || typeof r.pattern !== 'string')
          problems.push(`mcp.argument_rules[${i}] needs string "argument" and "pattern"`);
        else {
          try {
            new RegExp(r.pattern);
          } catch {
            problems.push(`mcp.argument_rules[${i}].pattern is not a valid regular expression`);
          }
        }
      });
  }
  return problems;
}
