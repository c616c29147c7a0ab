// buildPolicyInput and buildToolCallInput: what reaches the policy, and what is left out.
import { describe, expect, it } from 'vitest';
import { buildPolicyInput, buildToolCallInput } from '../../../src/policy';

const entry = {
  name: 'qwen2.5-7b',
  version: '2',
  aliases: ['qwen'],
  tags: ['general'],
  priority: 'standard',
  upstream: 'lmstudio',
  upstreamModel: 'qwen2.5-7b-instruct',
  capabilities: { chat: true, completion: true, embeddings: false, tools: 'native', vision: false },
  provenance: { source: 'https://example.invalid/model.gguf', sha256: 'ab'.repeat(32) },
};

describe('buildPolicyInput', () => {
  it('summarises a chat request with only the fields rules read', () => {
    const input = buildPolicyInput({
      principal: { id: 'k_1', name: 'alice', roles: ['user'] },
      route: { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat' },
      model: entry,
      body: {
        messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url' }] }],
        max_completion_tokens: 300,
        max_tokens: 999,
        stream: true,
        tools: [{ type: 'function', function: { name: 'get_weather' } }],
      },
      estimatedPromptTokens: 42,
      usage: { requests_last_minute: 2, tokens_today: 100 },
      truncation: 'middle-out',
      nowMs: Date.UTC(2026, 10, 22, 23, 30), // a Sunday
    });
    expect(input).toEqual({
      principal: { id: 'k_1', name: 'alice', roles: ['user'] },
      route: { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat' },
      model: { name: 'qwen2.5-7b', version: '2', aliases: ['qwen'], tags: ['general'], priority: 'standard', upstream: 'lmstudio' },
      request: { stream: true, estimated_prompt_tokens: 42, tools: ['get_weather'], has_images: true, max_tokens: 300, truncation: 'middle-out' },
      content: {},
      usage: { requests_last_minute: 2, tokens_today: 100 },
      time: { now_ms: Date.UTC(2026, 10, 22, 23, 30), hour_utc: 23, weekday: 0 },
    });
  });

  it('reads prompts of completions and embeddings requests for secrets', () => {
    const key = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
    const base = { principal: { id: 'k', roles: [] }, nowMs: 0 };
    expect(
      buildPolicyInput({ ...base, route: { method: 'POST', path: '/v1/completions', endpoint: 'completions' }, body: { prompt: [`x ${key}`] } }).content
        ?.has_cloud_credential,
    ).toBe(true);
    expect(
      buildPolicyInput({ ...base, route: { method: 'POST', path: '/v1/embeddings', endpoint: 'embeddings' }, body: { input: key } }).content
        ?.has_cloud_credential,
    ).toBe(true);
  });

  it('derives a small tool-call input with facts over the arguments', () => {
    const request = buildPolicyInput({
      principal: { id: 'k', roles: ['user'] },
      route: { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat' },
      model: entry,
      body: { messages: [] },
      nowMs: 0,
    });
    const call = buildToolCallInput(request, { server: 'fs', tool: 'read_file', arguments: { path: '-----BEGIN PRIVATE KEY-----' }, round: 2 }, 3_600_000);
    expect(Object.keys(call).sort()).toEqual(['model', 'principal', 'route', 'time', 'tool_call']);
    expect(call.tool_call).toMatchObject({ server: 'fs', tool: 'read_file', round: 2, content: { has_private_key: true } });
    expect(call.time.hour_utc).toBe(1);
  });
});
