// The `policy` section of aegis.yaml: what the config accepts before an engine ever sees it.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config';

const selfCheckCase = (extra: string) =>
  `policy:\n  self_check:\n    - name: blocked\n      input: { principal: { id: k, roles: [] } }\n      expect: { allow: false }\n${extra}`;

describe('policy config', () => {
  it('accepts self_check cases of name, input and expect', () => {
    expect(parseConfig(selfCheckCase('')).policy.self_check).toHaveLength(1);
  });

  it('rejects a self_check case that carries data, which the self-check could never apply', () => {
    expect(() => parseConfig(selfCheckCase('      data: { blocked_keys: [k] }\n'))).toThrow(
      /policy\.self_check\[0\]\.data: a self_check case runs against policy\.data and cannot carry its own data/,
    );
  });
});
