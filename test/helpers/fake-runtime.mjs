// A stand-in runtime process for managed-runner edge cases (crash, restart, stop): serves
// /v1/models and a fixed chat answer on the port given as the first argument, after the start-up
// delay in ms given as the third (a model load that takes a while).
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const model = process.argv[3] ?? 'fake';
const startDelayMs = Number(process.argv[4] ?? 0);
const server = createServer((req, res) => {
  if (req.url === '/v1/models')
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: model }] }));
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: `pid ${process.pid}` }, finish_reason: 'stop' }],
      }),
    );
  });
});
setTimeout(() => server.listen(port, '127.0.0.1'), startDelayMs);
process.on('SIGTERM', () => process.exit(0));
