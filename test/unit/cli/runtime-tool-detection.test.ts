// How the runtime decides a config model's tool support when the config leaves it unset: what the
// runtime reports through discovery (Ollama /api/show capabilities), else the GGUF chat template.
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { factsFromHeader, readGgufHeader, templateRendersTools } from '../../../src/registry';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { writeTinyGguf } from '../registry/fixtures';

// SmolLM2-135M-Instruct's template (no tools), and the tool branch of a Qwen 2.5-style one.
const smolTemplate =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const toolTemplate =
  "{%- if tools %}{{- '<|im_start|>system\\n# Tools\\n<tools>' }}{%- for tool in tools %}{{- tool | tojson }}{%- endfor %}{{- '</tools><|im_end|>\\n' }}{%- endif %}{%- for message in messages %}{{ message.content }}{%- endfor %}";

const gguf = (template: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'aegis-tools-')), 'm.gguf');
  writeTinyGguf(path, { chatTemplate: template });
  return path;
};

/** An Ollama that lists two models, one whose template has tools (as /api/show reports it). */
function fakeOllama(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d));
    req.on('end', () => {
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/api/tags')
        return json({
          models: [
            { name: 'plain:1b', size: 1 },
            { name: 'tooled:1b', size: 1 },
          ],
        });
      if (req.url === '/api/ps') return json({ models: [] });
      if (req.url === '/api/show') {
        const { model } = JSON.parse(raw) as { model: string };
        return json({ capabilities: model === 'tooled:1b' ? ['completion', 'tools'] : ['completion'], model_info: {} });
      }
      res.writeHead(404).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server })),
  );
}

let gateway: TestGateway | undefined;
let ollama: Server | undefined;
afterEach(async () => {
  await gateway?.close();
  ollama?.close();
  gateway = undefined;
});

describe('tool support detection', () => {
  it('reads whether a GGUF chat template renders tools', async () => {
    expect(templateRendersTools(smolTemplate)).toBe(false);
    expect(templateRendersTools(toolTemplate)).toBe(true);
    expect(templateRendersTools('Use {{ messages }}; tools are for the weak')).toBe(false);
    expect(factsFromHeader(await readGgufHeader(gguf(toolTemplate))).toolTemplate).toBe(true);
  });

  it('takes Ollama’s capabilities and the GGUF template for models that leave tools unset, and keeps what the config says', async () => {
    const fake = await fakeOllama();
    ollama = fake.server;
    gateway = await startGateway({
      upstreams: [
        { name: 'ollama', type: 'ollama', url: fake.url },
        { name: 'llamacpp', type: 'managed', discover: false, managed: { command: ['true'] } },
      ],
      models: [
        { name: 'plain', upstream: 'ollama', upstreamModel: 'plain:1b' },
        { name: 'tooled', upstream: 'ollama', upstreamModel: 'tooled:1b' },
        { name: 'tooled-but-off', upstream: 'ollama', upstreamModel: 'tooled:1b', capabilities: { tools: 'none' } },
        { name: 'gguf-tools', upstream: 'llamacpp', path: gguf(toolTemplate) },
        { name: 'gguf-plain', upstream: 'llamacpp', path: gguf(smolTemplate) },
      ],
    });
    const tools = (name: string) => gateway!.runtime.snapshot.catalog.resolve(name)?.capabilities.tools;
    expect(tools('plain')).toBe('emulated');
    expect(tools('tooled')).toBe('native');
    expect(tools('tooled-but-off')).toBe('none');
    expect(tools('gguf-tools')).toBe('native');
    expect(tools('gguf-plain')).toBe('emulated');
  });
});
