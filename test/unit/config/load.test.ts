import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../../src/config';

describe('parseConfig', () => {
  it('accepts an empty file with defaults', () => {
    const c = parseConfig('');
    expect(c.server).toMatchObject({ host: '127.0.0.1', port: 4000 });
    expect(c.upstreams).toEqual([]);
  });

  it('substitutes ${env:NAME} and ${env:NAME:-default}', () => {
    const c = parseConfig('upstreams:\n  - name: a\n    type: openai\n    url: ${env:A_URL}\n    apiKey: ${env:MISSING:-fallback}\n', {
      A_URL: 'http://127.0.0.1:1',
    });
    expect(c.upstreams[0]).toMatchObject({ url: 'http://127.0.0.1:1', apiKey: 'fallback' });
  });

  it('names the path of a missing environment variable', () => {
    expect(() => parseConfig('upstreams:\n  - name: a\n    type: openai\n    url: ${env:NOPE}\n', {})).toThrow(
      /upstreams\[0\]\.url: environment variable NOPE/,
    );
  });

  it('reports schema errors with the path of the bad key', () => {
    try {
      parseConfig('server:\n  port: "eighty"\n');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toBe('server.port');
    }
    expect(() => parseConfig('servr: {}\n')).toThrow(/servr|Unrecognized/);
  });

  it('checks references between models and upstreams', () => {
    expect(() => parseConfig('models:\n  - name: m\n    upstream: ghost\n')).toThrow(/models\[0\]\.upstream: unknown upstream "ghost"/);
    expect(() =>
      parseConfig('upstreams:\n  - name: r\n    type: managed\n    managed: { command: "x ${PORT}" }\nmodels:\n  - name: m\n    upstream: r\n'),
    ).toThrow(/models\[0\]\.path/);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(() => parseConfig('a: [\nb: 1\n')).toThrow(/line/);
  });
});

describe('loadConfigFile', () => {
  it('resolves a relative auth.keysFile against the config file’s folder, not the working directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-cfg-'));
    const file = join(dir, 'aegis.yaml');
    writeFileSync(file, 'auth:\n  keysFile: keys/aegis-keys.yaml\n');
    expect(loadConfigFile(file).auth.keysFile).toBe(join(dir, 'keys', 'aegis-keys.yaml'));
    writeFileSync(file, `auth:\n  keysFile: ${join(dir, 'abs.yaml')}\n`);
    expect(loadConfigFile(file).auth.keysFile).toBe(join(dir, 'abs.yaml'));
  });

  it('resolves a relative integrations.consultations.dir next to the config file too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-cfg-'));
    const file = join(dir, 'aegis.yaml');
    writeFileSync(file, 'integrations:\n  consultations:\n    dir: decisions/outbox\n');
    expect(loadConfigFile(file).integrations.consultations.dir).toBe(join(dir, 'decisions', 'outbox'));
    writeFileSync(file, '{}\n');
    expect(loadConfigFile(file).integrations.consultations.dir).toBeUndefined();
  });
});
