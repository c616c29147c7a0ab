// The embedded defaults: with no config file Aegis looks for Ollama and LM Studio on their usual
// ports and adds any `--upstream NAME=URL` as an OpenAI-compatible upstream.
import { parseConfig, type AegisConfig } from '../config';

export function defaultConfig(extraUpstreams: { name: string; url: string }[] = []): AegisConfig {
  const upstreams = [
    { name: 'ollama', type: 'ollama', url: 'http://127.0.0.1:11434' },
    { name: 'lmstudio', type: 'lmstudio', url: 'http://127.0.0.1:1234' },
    ...extraUpstreams.map((u) => ({ name: u.name, type: 'openai', url: u.url })),
  ];
  return parseConfig(JSON.stringify({ upstreams }), {}, '(embedded defaults)');
}

export function parseUpstreamFlag(value: string): { name: string; url: string } {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new Error(`--upstream expects NAME=URL (got "${value}")`);
  return { name: value.slice(0, eq), url: value.slice(eq + 1) };
}
