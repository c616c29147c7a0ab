// The `aegis` command line: serve, keys, ps, load, unload, models, records, policy.
import { setFlagsFromString } from 'node:v8';
import { parseArgs } from './args';
import { adminCommand } from './admin-commands';
import { keysCommand } from './keys-command';
import { serveCommand } from './serve';

const usage = `usage: aegis <command>
  serve [--config FILE] [--host H] [--port N] [--upstream NAME=URL]...
  keys create --id ID [--name NAME] [--roles a,b]
  models list|show|import|verify|promote|rollback|retire ...   [--config FILE]  (MONGODB_URI or .aegis/aegis.db)
  records list|show|search ... [--json]                         [--config FILE]  (MONGODB_URI or .aegis/aegis.db)
  policy test|eval ...
  ps | load MODEL | unload MODEL      [--url http://127.0.0.1:4000] [--key KEY]
`;

/**
 * Caps V8's old-generation growth at 2× the live heap between full GCs. Each open stream's objects
 * live for seconds, so they are promoted and die in the old generation, which V8 otherwise lets
 * grow to several times the live heap first. A tighter cap costs throughput for little memory
 * (figures in bench/README.md). A `--heap-growing-percent` given to node wins.
 */
function capHeapGrowth(): void {
  if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent'))) setFlagsFromString('--heap-growing-percent=100');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      capHeapGrowth();
      return serveCommand(parseArgs(rest));
    case 'keys':
      return keysCommand(parseArgs(rest));
    case 'models':
      return (await import('./models-entry')).modelsEntry(rest);
    case 'records':
      return (await import('./records-entry')).recordsEntry(rest);
    case 'policy':
      return (await import('./policy-command')).runPolicyCommand(rest, { stdout: process.stdout, stderr: process.stderr });
    case 'ps':
    case 'load':
    case 'unload':
      return adminCommand(command, parseArgs(rest, ['json']));
    default:
      process.stderr.write(usage);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`aegis: ${(err as Error).message ?? String(err)}\n`);
    process.exit(1);
  },
);
