// A pass-through in front of a real runtime that keeps the JSON bodies it forwarded: for asserting
// what Aegis sent the model (the fitted conversation, the tool result of a second round) where the
// model's own answer cannot show it. Responses, streamed or not, go back byte for byte.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ForwardedRequest {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
}

export interface RecordingProxy {
  url: string;
  requests: ForwardedRequest[];
  /** Bodies of the generation requests (chat, completions, Ollama's /api/chat), oldest first. */
  generations(): Record<string, unknown>[];
  close(): Promise<void>;
}

const GENERATION = /\/(chat\/completions|completions|api\/chat|api\/generate)$/;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const requests: ForwardedRequest[] = [];
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    let body: Record<string, unknown> | undefined;
    try {
      body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', body });
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length' && k !== 'connection')) as Record<
      string,
      string
    >;
    const upstream = await fetch(new URL(req.url ?? '/', target), {
      method: req.method,
      headers,
      body: raw.length > 0 ? raw : undefined,
    });
    res.writeHead(
      upstream.status,
      Object.fromEntries([...upstream.headers].filter(([k]) => k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding')),
    );
    // Each chunk as it arrives, so a streamed answer stays streamed.
    if (upstream.body) for await (const part of upstream.body) res.write(part);
    res.end();
  };
  const server = createServer((req, res) => {
    forward(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    generations: () => requests.filter((r) => GENERATION.test(r.path) && r.body).map((r) => r.body!),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
