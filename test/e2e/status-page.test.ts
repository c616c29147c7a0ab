// The status page in Debian's Chromium (headless, driven by playwright-core): it renders the
// models a running gateway holds, follows a model through its load to ready without a reload, runs
// under its own CSP without a violation, and leaves a screenshot in test-output/.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../src/cli/wiring';
import { MemoryLogger } from '../../src/core';
import { startGateway, testKey, type TestGateway } from '../helpers/gateway';
import { world } from '../world/use-world';

const browser = await world('chromium');
const MiB = 2 ** 20;
const fakeRuntime = fileURLToPath(new URL('../helpers/fake-runtime.mjs', import.meta.url));
const outputDir = join(fileURLToPath(new URL('../..', import.meta.url)), 'test-output');

describe.skipIf(!browser)('the status page in Chromium', () => {
  let gw: TestGateway;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const post = (path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-status-'));
    gw = await startGateway(
      {
        scheduler: { enabled: true, ram: { budget: `${1024 * MiB}`, reserve: `${64 * MiB}` } },
        rag: { enabled: true, spool: { dir: join(dir, 'spool') }, embedded: { path: join(dir, 'aegis.db') } },
        upstreams: [
          {
            name: 'runner',
            type: 'managed',
            discover: false,
            // Each runtime takes two seconds to start: long enough to watch the load.
            managed: { command: [process.execPath, fakeRuntime, '${PORT}', '${MODEL}', '2000'], startupTimeoutMs: 10_000 },
          },
          { name: 'offline', type: 'openai', url: 'http://127.0.0.1:9', discover: false },
        ],
        models: [
          { name: 'alpha', upstream: 'runner', upstreamModel: 'alpha', path: '/models/alpha.gguf', footprint: { ramBytes: 300 * MiB } },
          { name: 'beta', upstream: 'runner', upstreamModel: 'beta', path: '/models/beta.gguf', footprint: { ramBytes: 200 * MiB } },
        ],
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
    // alpha is loaded before the page opens; beta is not.
    const answer = await post('/v1/chat/completions', { model: 'alpha', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.status).toBe(200);
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'aegis-chromium-')), {
      executablePath: browser!.bin,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      // The browser answers the page's Basic challenge with the key as password.
      httpCredentials: { username: 'operator', password: testKey },
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await gw?.close();
  });

  it('renders the loaded model with its memory against the budget, and the rest of the gateway', async () => {
    const res = await page.goto(`${gw.url}/status`);
    expect(res?.status()).toBe(200);
    const alpha = page.locator('tr[data-model="runner/alpha"]');
    await alpha.locator('.badge', { hasText: 'ready' }).waitFor({ timeout: 10_000 });
    expect(await alpha.getAttribute('data-state')).toBe('ready');
    expect(await alpha.textContent()).toContain('ram: 300.0 MiB of 960.0 MiB');
    expect(await page.locator('tr[data-model="runner/beta"]').getAttribute('data-state')).toBe('unloaded');
    expect(await page.locator('tr[data-resource="ram"]').textContent()).toContain('300.0 MiB of 960.0 MiB');
    expect(await page.locator('tr[data-upstream="offline"] .badge').textContent()).toBe('down');
    // Records go straight into the embedded store.
    const recording = await page.locator('#recording').textContent();
    expect(recording).toContain('direct');
    expect(recording).toContain('record storeaccepting');
    expect(await page.locator('#conn').textContent()).toMatch(/^live/);
  });

  it('follows a model through its load to ready, without reloading the page', async () => {
    const load = post('/admin/models/beta/load');
    const beta = page.locator('tr[data-model="runner/beta"]');
    await beta.locator('.badge', { hasText: 'loading' }).waitFor({ timeout: 10_000 });
    expect(await beta.locator('.bar.progress').count()).toBe(1);
    expect((await load).status).toBe(200);
    await beta.locator('.badge', { hasText: 'ready' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('tr[data-resource="ram"]').textContent()).toContain('500.0 MiB of 960.0 MiB');
    mkdirSync(outputDir, { recursive: true });
    await page.screenshot({ path: join(outputDir, 'status-page.png'), fullPage: true });
  });

  it('ran without a script error or a CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
