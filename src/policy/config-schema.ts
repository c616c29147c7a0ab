// The `policy` section of aegis.yaml, owned here and composed by src/config. The data document is
// checked against the shipped defaults it merges over, so a mistyped role field fails the config
// (with its path) instead of silently meaning "no limit" in Rego.
import { z } from 'zod';
import { defaultPolicyData, isPlainObject, mergePolicyData, type PolicyData } from './data';
import type { SelfCheckCase } from './self-check';
import { validatePolicyData } from './validate-data';

const policyDataSchema = z.custom<Partial<PolicyData>>(isPlainObject, 'expected an object').superRefine((data, ctx) => {
  for (const problem of validatePolicyData(mergePolicyData(defaultPolicyData, data))) ctx.addIssue({ code: 'custom', message: problem });
});

// A self-check runs its cases against the data it is checking, so a case's own `data` could never
// apply; refusing it beats a case that passes for reasons its author did not write.
const selfCheckCaseSchema = z.custom<SelfCheckCase>(isPlainObject, 'expected a decision case').superRefine((c, ctx) => {
  if ('data' in c)
    ctx.addIssue({
      code: 'custom',
      path: ['data'],
      message:
        'a self_check case runs against policy.data and cannot carry its own data; put the data in policy.data, or the case in a decision table for `aegis policy test`',
    });
});

export const policyConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Directory with policy.wasm + manifest.json, or an `opa build -t wasm` tarball. */
  bundle: z.string().optional(),
  /** The Rego source, only to warn when the bundle is older than it. */
  source: z.string().optional(),
  /** Reload when the bundle changes (default true). */
  watch: z.boolean().optional(),
  /** Merged field by field over the shipped defaults (mergePolicyData); `null` removes a key. */
  data: policyDataSchema.optional(),
  /** Decision cases (`name`, a complete `input`, `expect`; no `data`) every new bundle or data document must pass before it serves. */
  self_check: z.array(selfCheckCaseSchema).optional(),
});

/** What the engine reads of the section (`enabled` and the defaults are the config's business). */
export type PolicyConfig = z.input<typeof policyConfigSchema>;
