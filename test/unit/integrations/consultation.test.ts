// Consultation documents: the fixture's front matter and questions, refusals with clear reasons,
// the response document and its file name.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { consultationPrompt, parseConsultation, renderConsultationResponse, responseFileName } from '../../../src/integrations';

const fixture = readFileSync(new URL('../../fixtures/consultation-example.md', import.meta.url), 'utf8');

describe('consultations', () => {
  it("parses the fixture's front matter and its question headings", () => {
    const c = parseConsultation(fixture);
    expect(c).toMatchObject({ id: 'OPS-014-ANALYST', parent: 'OPS-014', consultant: 'Analyst', status: 'in_progress', date: '2026-11-30T09:30:00.000Z' });
    expect(c.questions).toEqual(['1. Retention', '2. What to exclude']);
    expect(c.body).toContain('## Deliverables');
  });

  it('refuses documents that are not consultations, saying why', () => {
    expect(() => parseConsultation('# no front matter')).toThrow(/no YAML front matter/);
    expect(() => parseConsultation('---\ntype: decision\nid: X\n---\nbody')).toThrow(/type: "decision", expected "consultation"/);
    expect(() => parseConsultation('---\ntype: consultation\n---\nbody')).toThrow(/no `id`/);
    expect(() => parseConsultation('---\n: [\n---\nbody')).toThrow(/not valid YAML/);
  });

  it('asks for an answer under each question heading', () => {
    const [system, user] = consultationPrompt(parseConsultation(fixture));
    expect(system!.content).toContain('write its heading exactly as given');
    expect(user!.content).toContain('Answer under these headings, in this order:\n### 1. Retention\n### 2. What to exclude');
    expect(user!.content).not.toContain('type: consultation');
  });

  it('renders a consultation-response whose front matter parses and names its parent', () => {
    const doc = renderConsultationResponse({
      consultation: parseConsultation(fixture),
      consultant: 'qwen@3f2a',
      answer: '### 1. Retention\nSeven.',
      date: '2026-12-01T00:00:00.000Z',
    });
    const [, front, body] = doc.split(/^---$/m);
    expect(parseYaml(front!)).toEqual({
      type: 'consultation-response',
      id: 'OPS-014-ANALYST-RESPONSE',
      parent: 'OPS-014-ANALYST',
      consultant: 'qwen@3f2a',
      date: '2026-12-01T00:00:00.000Z',
      status: 'answered',
    });
    expect(body).toContain('# Response to OPS-014-ANALYST\n\n### 1. Retention\nSeven.');
  });

  it('names response files safely on every platform', () => {
    expect(responseFileName('OPS-014', 'qwen')).toBe('OPS-014.qwen.response.md');
    expect(responseFileName('../x:y', 'a/b')).toBe('__x_y.a_b.response.md');
  });
});
