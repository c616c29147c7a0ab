// Which tokenizer counts a model: the runtime's where counting does not wait behind generation,
// else the GGUF's, else the runtime's blocking one, else the estimate.
import { describe, expect, it } from 'vitest';
import { estimateTokenizer, FakeTokenizer, type LocalTokenizer } from '../../../src/context';
import { resolveTokenizer } from '../../../src/gateway/context/tokenizers';
import type { RuntimeTokenizer, Upstream } from '../../../src/upstreams';
import { scriptedUpstream } from '../../helpers/app';
import { modelEntry } from './fixtures';

const runtime = (blocking: boolean, template = false): RuntimeTokenizer => ({
  runtime: blocking ? 'llama-cpp-python' : 'llama-server',
  blocking,
  countTexts: async (texts) => texts.map((t) => t.length),
  countRendered: async (p) => p.length + 1000,
  ...(template ? { applyTemplate: async () => 'rendered' } : {}),
});

const local: LocalTokenizer = Object.assign(new FakeTokenizer({ kind: 'local' }), { countRendered: () => 0, render: () => 'local render' });

function upstream(rt: RuntimeTokenizer | undefined): Upstream {
  return Object.assign(scriptedUpstream(), { tokenizer: async () => rt });
}

const resolve = (u: Upstream, counting: 'auto' | 'runtime' | 'local' | 'estimate', path?: string) =>
  resolveTokenizer({ entry: modelEntry({ path }), upstream: u, counting, loadLocal: async () => local });

describe('resolveTokenizer', () => {
  it("auto: llama.cpp's server counts itself, rendering with its own template", async () => {
    const t = await resolve(upstream(runtime(false, true)), 'auto', '/m.gguf');
    expect(t.kind).toBe('exact');
    expect(await t.countPrompt!([], undefined)).toBe('rendered'.length + 1000);
  });

  it('auto: a runtime that counts behind generation gives way to the GGUF tokenizer', async () => {
    expect(await resolve(upstream(runtime(true)), 'auto', '/m.gguf')).toBe(local);
    // Without a GGUF the runtime still counts, rendering nothing itself.
    const t = await resolve(upstream(runtime(true)), 'auto');
    expect(t.kind).toBe('exact');
    expect(t.countPrompt).toBeUndefined();
  });

  it('runtime: the runtime counts the prompt the GGUF template renders', async () => {
    const t = await resolve(upstream(runtime(true)), 'runtime', '/m.gguf');
    expect(t.kind).toBe('exact');
    expect(await t.countPrompt!([], undefined)).toBe('local render'.length + 1000);
  });

  it('local, estimate, and nothing to ask', async () => {
    expect(await resolve(upstream(runtime(false, true)), 'local', '/m.gguf')).toBe(local);
    expect(await resolve(upstream(runtime(false, true)), 'estimate', '/m.gguf')).toBe(estimateTokenizer);
    expect(await resolve(upstream(undefined), 'auto')).toBe(estimateTokenizer);
  });

  it("asks for the vocabulary as the serving runtime tokenizes it (Ollama's engine differs from llama.cpp)", async () => {
    const asked: (string | undefined)[] = [];
    const loadLocal = async (_path: string, runtime?: string) => {
      asked.push(runtime);
      return local;
    };
    const ollama = Object.assign(scriptedUpstream(), { kind: 'ollama' as const, tokenizer: async () => undefined });
    await resolveTokenizer({ entry: modelEntry({ path: '/m.gguf' }), upstream: ollama, counting: 'local', loadLocal });
    await resolveTokenizer({ entry: modelEntry({ path: '/m.gguf' }), upstream: upstream(undefined), counting: 'local', loadLocal });
    expect(asked).toEqual(['ollama', 'llama.cpp']);
  });
});
