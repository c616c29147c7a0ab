// Engine-level integration with real `opa build`: the acceptance cases (403 with reasons,
// max_tokens capped, disallowed tools removed or refused) and hot reload that never lets a broken
// policy replace a working one.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPolicyBundle, defaultBundleDir, defaultSource, writeBundle } from '../../../scripts/policy-build';
import { MemoryLogger } from '../../../src/core';
import {
  WasmPolicyEngine,
  allowedTools,
  buildPolicyInput,
  buildToolCallInput,
  defaultPolicyData,
  mergePolicyData,
  policyDeniedError,
  readBundleDir,
  startPolicyEngine,
  type PolicyBundle,
  type PolicyInput,
  type RunningPolicy,
} from '../../../src/policy';
import { world } from '../../world/use-world';

const opa = await world('opa');
const rego = readFileSync(defaultSource, 'utf8');

const model = { name: 'qwen2.5-7b-instruct', version: '1', aliases: ['qwen'], tags: ['general'], priority: 'standard', upstream: 'lmstudio' };
const tools = [
  { type: 'function', function: { name: 'get_weather' } },
  { type: 'function', function: { name: 'run_shell' } },
];
const chat = (roles: string[], extra: { maxTokens?: number; endpoint?: 'chat' | 'admin' } = {}): PolicyInput =>
  buildPolicyInput({
    principal: { id: 'k_1', name: 'alice', roles },
    route: { method: 'POST', path: '/v1/chat/completions', endpoint: extra.endpoint ?? 'chat' },
    model,
    body: { messages: [{ role: 'user', content: 'What is the weather in Lyon?' }], max_tokens: extra.maxTokens, tools },
    estimatedPromptTokens: 20,
    usage: { requests_last_minute: 1, tokens_today: 500 },
    nowMs: Date.UTC(2026, 10, 24, 14),
  });

/** policies.rego with one edit, compiled by the pinned opa. */
function variant(edit: (source: string) => string): PolicyBundle {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-policy-'));
  const source = join(dir, 'policies.rego');
  writeFileSync(source, edit(rego));
  return buildPolicyBundle({ opaBin: opa!.bin, source });
}

let committed: PolicyBundle;
beforeAll(async () => {
  committed = await readBundleDir(defaultBundleDir);
});

describe('policy decisions the gateway enforces', () => {
  it('denies a key without the role with 403 policy_denied and reasons', async () => {
    const engine = await WasmPolicyEngine.create({ bundle: committed });
    const decision = engine.decide(chat(['user'], { endpoint: 'admin' }));
    expect(decision.allow).toBe(false);
    const err = policyDeniedError(decision);
    expect(err.status).toBe(403);
    expect(err.toJSON().error).toMatchObject({ code: 'policy_denied', reasons: ['endpoint "admin" is not allowed for roles user'], decision_id: decision.id });
  });

  it('caps max_tokens', async () => {
    const engine = await WasmPolicyEngine.create({ bundle: committed });
    const decision = engine.decide(chat(['user'], { maxTokens: 50_000 }));
    expect(decision).toMatchObject({ allow: true, obligations: { max_tokens: 4096 } });
    expect(decision.reasons).toEqual(['max_tokens 50000 capped to 4096']);
  });

  it('removes a disallowed tool, or refuses the request, as the data says', async () => {
    const data = mergePolicyData(defaultPolicyData, {
      roles: {
        user: { endpoints: ['chat'], model_groups: ['general'], tools: ['get_*'] },
        strict: { endpoints: ['chat'], model_groups: ['general'], tools: ['get_*'], tools_on_disallowed: 'deny' },
      },
    });
    const engine = await WasmPolicyEngine.create({ bundle: committed, data });
    const removed = engine.decide(chat(['user']));
    expect(removed.allow).toBe(true);
    expect(allowedTools(tools, removed.obligations).map((t) => t.function.name)).toEqual(['get_weather']);
    const refused = engine.decide(chat(['strict']));
    expect(refused).toMatchObject({ allow: false, reasons: ['tools not allowed for roles strict: run_shell'] });
  });

  it('checks every MCP tool call again', async () => {
    const engine = await WasmPolicyEngine.create({ bundle: committed });
    const request = chat(['user']);
    expect(engine.decide(buildToolCallInput(request, { server: 'aegis', tool: 'rag_search', arguments: { query: 'q' }, round: 1 })).allow).toBe(true);
    const denied = engine.decide(buildToolCallInput(request, { server: 'shell', tool: 'exec', arguments: { cmd: 'ls' }, round: 1 }));
    expect(denied).toMatchObject({ allow: false, reasons: ['MCP tool "shell/exec" is not allowed for roles user'] });
  });
});

describe.skipIf(!opa)('policy reload with the pinned opa', () => {
  let running: RunningPolicy | undefined;
  afterEach(() => running?.close());

  it('fails the build, not the gateway, on a syntax error or an unsupported builtin', () => {
    expect(() => variant((s) => `${s}\nbroken if {\n`)).toThrow(/opa build failed[\s\S]*rego_parse_error/);
    expect(() => variant((s) => `${s}\nnotes contains "x" if http.send({"method": "get", "url": "http://127.0.0.1:1"})\n`)).toThrow(
      /undefined function http\.send/,
    );
  });

  it('rejects a bundle that no longer denies by default, and the old policy keeps deciding', async () => {
    const logger = new MemoryLogger();
    const engine = await WasmPolicyEngine.create({ bundle: committed, logger });
    const permissive = variant((s) => s.replace('default allow := false', 'default allow := true'));
    const result = await engine.reload(permissive);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(/no longer denies by default/);
    expect(engine.revision().startsWith(committed.manifest.wasm_sha256.slice(0, 12))).toBe(true);
    expect(engine.decide(chat([])).allow).toBe(false);
    expect(engine.decide(chat(['user'])).allow).toBe(true);
    expect(engine.stats().reloadErrors).toBe(1);
    expect(logger.lines.find((l) => l.level === 'error')).toMatchObject({ kind: 'bundle', msg: 'policy reload rejected; the previous policy keeps serving' });
  });

  it('rejects a bundle whose decision conflicts at evaluation time', async () => {
    const engine = await WasmPolicyEngine.create({ bundle: committed });
    const conflicting = variant((s) => `${s}\ndecision := {"allow": true, "reasons": []} if input.principal.roles\n`);
    const result = await engine.reload(conflicting);
    expect(result.ok ? '' : result.error).toMatch(/self-check failed: .*var assignment conflict/);
    expect(engine.decide(chat(['user'])).allow).toBe(true);
  });

  it('hot-reloads a good bundle and ignores a broken one written over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-policy-'));
    const bundleDir = join(dir, 'bundle');
    cpSync(defaultBundleDir, bundleDir, { recursive: true });
    const logger = new MemoryLogger();
    running = await startPolicyEngine({ bundle: bundleDir, source: join(dir, 'absent.rego') }, { logger });
    const { engine } = running;
    const first = engine.revision();

    const rejected = new Promise((resolve) => engine.onReloadError(resolve));
    writeFileSync(join(bundleDir, 'policy.wasm'), 'half a module');
    await rejected;
    expect(engine.revision()).toBe(first);
    expect(engine.decide(chat(['user'])).allow).toBe(true);

    const reloaded = new Promise((resolve) => engine.onReload(resolve));
    writeBundle(
      bundleDir,
      variant((s) => `${s}\nnotes contains "served by v2"\n`),
    );
    await reloaded;
    expect(engine.revision()).not.toBe(first);
    expect(engine.decide(chat(['user'])).reasons).toEqual(['served by v2']);
    expect(engine.stats()).toMatchObject({ reloads: 1, reloadErrors: 1 });
  });
});
