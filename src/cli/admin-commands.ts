// `aegis ps | load | unload`: talk to a running gateway's admin API.
import { flag, type ParsedArgs } from './args';
import { readOperatorToken, runtimeDir } from './operator-token';

/** A key given on the command line or in the environment, else the local gateway's operator token. */
function keyFor(args: ParsedArgs, base: string): string | undefined {
  const given = flag(args, 'key') ?? process.env.AEGIS_API_KEY;
  if (given) return given;
  const url = URL.canParse(base) ? new URL(base) : undefined;
  const port = url ? Number(url.port || (url.protocol === 'https:' ? 443 : 80)) : NaN;
  return Number.isInteger(port) ? readOperatorToken(runtimeDir(), port) : undefined;
}

async function call(args: ParsedArgs, method: string, path: string): Promise<unknown> {
  const base = flag(args, 'url') ?? process.env.AEGIS_URL ?? 'http://127.0.0.1:4000';
  const key = keyFor(args, base);
  const res = await fetch(`${base}${path}`, { method, headers: key ? { authorization: `Bearer ${key}` } : {} });
  const body = (await res.json()) as { error?: { message: string } };
  if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

function bytes(n: unknown): string {
  return typeof n === 'number' ? `${(n / 2 ** 30).toFixed(2)} GiB` : '-';
}

export async function adminCommand(command: 'ps' | 'load' | 'unload', args: ParsedArgs): Promise<number> {
  if (command === 'ps') {
    const ps = (await call(args, 'GET', '/admin/ps')) as { models?: Record<string, unknown>[]; resources?: Record<string, unknown>[] };
    if (args.flags.has('json')) {
      process.stdout.write(`${JSON.stringify(ps, null, 2)}\n`);
      return 0;
    }
    const rows = (ps.models ?? []).map((m) =>
      [m.id, m.state, bytes(m.estimatedRamBytes), bytes(m.measuredRamBytes), m.inFlight, m.queued, m.idleForMs ?? '-', m.ttlLeftMs ?? '-'].map(String),
    );
    const header = ['MODEL', 'STATE', 'EST RAM', 'MEASURED', 'IN-FLIGHT', 'QUEUED', 'IDLE MS', 'TTL LEFT MS'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
    for (const r of ps.resources ?? []) process.stdout.write(`${String(r.name)}: ${bytes(r.usedBytes)} used of ${bytes(r.budgetBytes)}\n`);
    return 0;
  }
  const model = args.positionals[0];
  if (!model) throw new Error(`usage: aegis ${command} MODEL`);
  process.stdout.write(`${JSON.stringify(await call(args, 'POST', `/admin/models/${encodeURIComponent(model)}/${command}`), null, 2)}\n`);
  return 0;
}
