// A PolicyEngine for gateway tests that should not depend on policies.rego: it allows (or answers
// from a script) and records every input it was asked about.
import type { Decision, Obligations, PolicyEngine, PolicyInput } from './types';

export const permissiveObligations = (): Obligations => ({
  max_tokens: null,
  priority: 'standard',
  truncation: ['drop-oldest', 'middle-out', 'refuse'],
  tools: { allowed: [], removed: [], on_disallowed: 'remove' },
  mcp: { servers: { '*': ['*'] } },
  log: { rag: true, redact: [] },
  quotas: { requests_per_minute: null, tokens_per_day: null },
});

export type FakeAnswer = Partial<Omit<Decision, 'id' | 'revision' | 'obligations'>> & { obligations?: Partial<Obligations> };

export class FakePolicyEngine implements PolicyEngine {
  readonly inputs: PolicyInput[] = [];
  private next = 0;

  constructor(private readonly answer: (input: PolicyInput) => FakeAnswer = () => ({})) {}

  decide(input: PolicyInput): Decision {
    this.inputs.push(input);
    const a = this.answer(input);
    const request = input.request;
    const obligations: Obligations = {
      ...permissiveObligations(),
      max_tokens: request?.max_tokens ?? null,
      tools: { allowed: request?.tools ?? [], removed: [], on_disallowed: 'remove' },
      ...a.obligations,
    };
    return { id: `fake-${++this.next}`, revision: 'fake', allow: a.allow ?? true, reasons: a.reasons ?? [], obligations };
  }

  revision(): string {
    return 'fake';
  }
}
