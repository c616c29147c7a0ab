// The wasm engine on the committed bundle: ids, stats, fail-closed evaluation, and reloads that
// keep the previous policy serving when the new bundle or data is broken.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, MemoryLogger } from '../../../src/core';
import {
  WasmPolicyEngine,
  buildPolicyInput,
  defaultPolicyData,
  mergePolicyData,
  readBundleDir,
  type PolicyBundle,
  type PolicyData,
  type PolicyInput,
} from '../../../src/policy';

const bundleDir = fileURLToPath(new URL('../../../policy/bundle', import.meta.url));
let bundle: PolicyBundle;

const model = { name: 'qwen2.5-7b', version: '1', aliases: [], tags: [], priority: 'standard', upstream: 'lmstudio' };
const chat = (roles: string[], maxTokens?: number): PolicyInput =>
  buildPolicyInput({
    principal: { id: 'k_1', roles },
    route: { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat' },
    model,
    body: { messages: [{ role: 'user', content: 'hi' }], max_tokens: maxTokens },
    usage: { requests_last_minute: 0, tokens_today: 0 },
    nowMs: Date.UTC(2026, 10, 24, 12),
  });

async function engine(options: { data?: PolicyData; logger?: MemoryLogger } = {}): Promise<WasmPolicyEngine> {
  let n = 0;
  return WasmPolicyEngine.create({ bundle, data: options.data, logger: options.logger, clock: new ManualClock(1000), newId: () => `d-${++n}` });
}

beforeAll(async () => {
  bundle = await readBundleDir(bundleDir);
});

describe('WasmPolicyEngine', () => {
  it('shares one frozen obligations document between requests that get the same decision', async () => {
    const e = await engine();
    const a = e.decide(chat(['user'], 100));
    const b = e.decide(chat(['user'], 100));
    const capped = e.decide(chat(['user'], 1_000_000));
    expect(b.obligations.truncation).toBe(a.obligations.truncation);
    expect(Object.isFrozen(a.obligations.log.redact)).toBe(true);
    expect(() => (a.reasons as string[]).push('changed')).toThrow(TypeError);
    expect(capped.reasons).not.toBe(a.reasons);
    expect(capped.reasons.join(' ')).toMatch(/capped/);
    expect(e.decide(chat(['user'], 100)).reasons).toEqual([]);
  });

  it('stamps every decision with an id and the revision that decided', async () => {
    const e = await engine();
    const a = e.decide(chat(['user']));
    const b = e.decide(chat([]));
    expect([a.id, b.id]).toEqual(['d-1', 'd-2']);
    expect(a.revision).toBe(e.revision());
    expect(e.revision()).toMatch(new RegExp(`^${bundle.manifest.wasm_sha256.slice(0, 12)}\\+[0-9a-f]{8}$`));
  });

  it('uses random UUIDs by default', async () => {
    const e = await WasmPolicyEngine.create({ bundle });
    expect(e.decide(chat(['user'])).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('counts decisions for the metrics module', async () => {
    const e = await engine();
    e.decide(chat(['user']));
    e.decide(chat(['user']));
    e.decide(chat(['nobody']));
    expect(e.stats()).toMatchObject({ evaluations: 3, allowed: 2, denied: 1, evaluationErrors: 0, reloads: 0, reloadErrors: 0, loadedAt: 1000 });
  });

  it('fails closed when the input cannot be evaluated', async () => {
    const logger = new MemoryLogger();
    const e = await engine({ logger });
    const input = chat(['admin']) as PolicyInput & { self?: unknown };
    input.self = input; // not serialisable
    const d = e.decide(input);
    expect(d).toMatchObject({ allow: false, reasons: ['the policy could not be evaluated'] });
    expect(d.obligations.max_tokens).toBe(0);
    expect(e.stats().evaluationErrors).toBe(1);
    expect(logger.lines.some((l) => l.level === 'error' && l.msg?.includes('denying'))).toBe(true);
  });

  it('applies new data after setData', async () => {
    const e = await engine();
    const before = e.revision();
    const data = mergePolicyData(defaultPolicyData, { roles: { user: { endpoints: ['chat'], model_groups: ['general'], max_tokens: 1000 } } });
    expect(await e.setData(data)).toMatchObject({ ok: true });
    expect(e.revision()).not.toBe(before);
    expect(e.decide(chat(['user'], 5000)).obligations.max_tokens).toBe(1000);
    expect(e.stats().reloads).toBe(1);
  });

  it('keeps the previous data when new data is invalid, and reports it', async () => {
    const logger = new MemoryLogger();
    const e = await engine({ logger });
    const errors: string[] = [];
    e.onReloadError((ev) => errors.push(`${ev.kind}: ${ev.error}`));
    const bad = mergePolicyData(defaultPolicyData, { roles: { user: { max_tokens: '4096' as unknown as number } } });
    const result = await e.setData(bad);
    expect(result).toMatchObject({ ok: false, revision: e.revision() });
    expect(errors[0]).toMatch(/^data: invalid policy data: roles.user.max_tokens has the wrong type/);
    expect(e.decide(chat(['user'], 9000)).obligations.max_tokens).toBe(4096);
    expect(e.stats()).toMatchObject({ reloadErrors: 1, lastReloadError: { at: 1000, kind: 'data' } });
    expect(logger.lines.some((l) => l.level === 'error' && l.msg === 'policy reload rejected; the previous policy keeps serving')).toBe(true);
  });

  it('keeps denying principals without roles whatever the data grants', async () => {
    const e = await engine();
    const open = mergePolicyData(defaultPolicyData, { defaults: { ...defaultPolicyData.defaults, endpoints: ['*'], model_groups: ['*'] } });
    expect(await e.setData(open)).toMatchObject({ ok: true });
    expect(e.decide(chat([])).allow).toBe(false);
  });

  it('keeps the previous bundle when the new wasm does not load', async () => {
    const e = await engine();
    const revision = e.revision();
    const broken: PolicyBundle = { wasm: bundle.wasm.slice(0, 1000), manifest: { ...bundle.manifest, wasm_sha256: 'f'.repeat(64) } };
    const result = await e.reload(broken);
    expect(result.ok).toBe(false);
    expect(e.revision()).toBe(revision);
    expect(e.decide(chat(['user'])).allow).toBe(true);
    expect(e.stats().reloadErrors).toBe(1);
  });

  it('counts a loader failure as a rejected reload', async () => {
    const e = await engine();
    const result = await e.reload(() => Promise.reject(new Error('policy.wasm does not match its manifest')));
    expect(result).toMatchObject({ ok: false, error: 'policy.wasm does not match its manifest' });
    expect(e.stats().reloadErrors).toBe(1);
  });

  it('runs operator self-check cases before a bundle serves', async () => {
    const failing = {
      name: 'user is capped at 100',
      input: chat(['user'], 5000) as unknown as Record<string, unknown>,
      expect: { allow: true, obligations: { max_tokens: 100 } },
    };
    await expect(WasmPolicyEngine.create({ bundle, selfCheckCases: [failing] })).rejects.toThrow(
      /self-check failed: case "user is capped at 100": obligations.max_tokens: expected 100, got 4096/,
    );
  });

  it('notifies reload listeners in order', async () => {
    const e = await engine();
    const events: string[] = [];
    e.onReload((ev) => events.push(ev.kind));
    const unsubscribe = e.onReloadError((ev) => events.push(`error:${ev.kind}`));
    await Promise.all([e.reload(bundle), e.setData({ ...defaultPolicyData, roles: 'x' as unknown as PolicyData['roles'] }), e.setData(defaultPolicyData)]);
    unsubscribe();
    expect(events).toEqual(['bundle', 'error:data', 'data']);
  });
});
