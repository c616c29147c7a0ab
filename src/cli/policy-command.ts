// `aegis policy test` (opa test over the Rego unit tests + the decision table through the wasm engine)
// and `aegis policy eval --input FILE` (prints one decision). The CLI composition root calls these.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  WasmPolicyEngine,
  defaultPolicyData,
  isFresh,
  mergePolicyData,
  readBundle,
  runDecisionTable,
  type DecisionTable,
  type PolicyBundle,
  type PolicyData,
  type PolicyInput,
} from '../policy';

export interface PolicyCommandIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface PolicyCommandOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
}

const USAGE = `usage: aegis policy <command> [options]

  test   run the Rego unit tests (opa test) and the decision table through the wasm engine
         --opa BIN        opa binary (default: $AEGIS_OPA_BIN, else opa on PATH)
         --tests DIR      directory of *_test.rego files (default: policy)
         --cases FILE     decision table (default: policy/decision-cases.json)
         --no-opa         skip opa test (decision table only)
         -v, --verbose    list every case
  eval   print the decision for one input document
         --input FILE     the policy input (JSON)
         --data FILE      policy data (JSON or YAML), merged over the defaults

  common --bundle PATH    bundle directory or opa tarball (default: policy/bundle)
         --source FILE    Rego source (default: policies.rego)
`;

interface Flags {
  values: Map<string, string>;
  switches: Set<string>;
}

function parseFlags(args: string[]): Flags {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (['--opa', '--tests', '--cases', '--input', '--data', '--bundle', '--source'].includes(a)) {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      values.set(a, v);
    } else switches.add(a);
  }
  return { values, switches };
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** The bundle to test or evaluate, and whether policies.rego changed since it was built. */
async function loadBundle(flags: Flags, at: (p: string) => string, io: PolicyCommandIO): Promise<{ bundle: PolicyBundle; stale: boolean }> {
  const bundle = await readBundle(at(flags.values.get('--bundle') ?? 'policy/bundle'));
  let stale = false;
  try {
    const rego = readFileSync(at(flags.values.get('--source') ?? 'policies.rego'), 'utf8');
    stale = bundle.manifest.source_sha256 !== '' && !isFresh(bundle.manifest, rego);
  } catch {
    // No source next to the bundle: nothing to compare against.
  }
  if (stale) io.stderr.write('warning: policies.rego changed since the bundle was built; run `npm run policy:build`\n');
  return { bundle, stale };
}

function runOpaTest(flags: Flags, at: (p: string) => string, io: PolicyCommandIO, env: Record<string, string | undefined>): boolean {
  const opa = flags.values.get('--opa') ?? env.AEGIS_OPA_BIN ?? 'opa';
  const dir = at(flags.values.get('--tests') ?? 'policy');
  const tests = readdirSync(dir)
    .filter((f) => f.endsWith('_test.rego'))
    .map((f) => join(dir, f));
  const args = ['test', at(flags.values.get('--source') ?? 'policies.rego'), ...tests];
  if (flags.switches.has('-v') || flags.switches.has('--verbose')) args.push('-v');
  const res = spawnSync(opa, args, { encoding: 'utf8' });
  if (res.error) {
    io.stderr.write(`cannot run ${opa}: ${res.error.message} (pass --opa, set AEGIS_OPA_BIN, or --no-opa)\n`);
    return false;
  }
  io.stdout.write(`opa test (${tests.length} file${tests.length === 1 ? '' : 's'}):\n${res.stdout}${res.stderr}`);
  return res.status === 0;
}

async function testCommand(flags: Flags, at: (p: string) => string, io: PolicyCommandIO, env: Record<string, string | undefined>): Promise<number> {
  const opaOk = flags.switches.has('--no-opa') || runOpaTest(flags, at, io, env);
  const table = readJson(at(flags.values.get('--cases') ?? 'policy/decision-cases.json')) as DecisionTable;
  const { bundle, stale } = await loadBundle(flags, at, io);
  const results = await runDecisionTable(table, bundle);
  const verbose = flags.switches.has('-v') || flags.switches.has('--verbose');
  for (const r of results) {
    if (!r.pass) io.stdout.write(`FAIL ${r.name}\n${r.problems.map((p) => `     ${p}\n`).join('')}`);
    else if (verbose) io.stdout.write(`PASS ${r.name}\n`);
  }
  const failed = results.filter((r) => !r.pass).length;
  io.stdout.write(`decision table: ${results.length - failed}/${results.length} cases pass\n`);
  return opaOk && failed === 0 && !stale ? 0 : 1;
}

async function evalCommand(flags: Flags, at: (p: string) => string, io: PolicyCommandIO): Promise<number> {
  const inputPath = flags.values.get('--input');
  if (!inputPath) {
    io.stderr.write('aegis policy eval needs --input FILE\n');
    return 2;
  }
  const dataPath = flags.values.get('--data');
  const data = dataPath ? mergePolicyData(defaultPolicyData, parseYaml(readFileSync(at(dataPath), 'utf8')) as Partial<PolicyData>) : defaultPolicyData;
  const { bundle } = await loadBundle(flags, at, io);
  const engine = await WasmPolicyEngine.create({ bundle, data });
  const decision = engine.decide(readJson(at(inputPath)) as PolicyInput);
  io.stdout.write(`${JSON.stringify(decision, null, 2)}\n`);
  return 0;
}

/** Runs `aegis policy …`; returns the process exit code. */
export async function runPolicyCommand(
  argv: string[],
  io: PolicyCommandIO,
  { cwd = process.cwd(), env = process.env }: PolicyCommandOptions = {},
): Promise<number> {
  const [command, ...rest] = argv;
  const at = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  try {
    const flags = parseFlags(rest);
    if (command === 'test') return await testCommand(flags, at, io, env);
    if (command === 'eval') return await evalCommand(flags, at, io);
    io[command === undefined || command === 'help' || command === '--help' ? 'stdout' : 'stderr'].write(USAGE);
    return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  } catch (err) {
    io.stderr.write(`aegis policy ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
