// A second host for tests of what crosses a network: a Linux network namespace joined to this one
// by a veth pair on a private /30, so traffic never reaches the host's own or any other address.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface RemoteHost {
  /** The address of this (the gateway's) side of the link. */
  localAddress: string;
  /** The remote host's own address. */
  remoteAddress: string;
  /** Runs a Node script inside the namespace; resolves with its stdout. */
  node(script: string): string;
  remove(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });

/** Why a namespace cannot be made here (not root, no iproute2), or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : `ip netns does not work here: ${probe.stderr || probe.error?.message}`;
}

export function createRemoteHost(): RemoteHost {
  const id = randomBytes(3).toString('hex');
  const ns = `aegis-${id}`;
  // Interface names are at most 15 bytes.
  const [outer, inner] = [`ag${id}a`, `ag${id}b`];
  const subnet = 16 + (randomBytes(1)[0]! % 200);
  const localAddress = `10.231.${subnet}.1`;
  const remoteAddress = `10.231.${subnet}.2`;
  ip('netns', 'add', ns);
  try {
    ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
    ip('link', 'set', inner, 'netns', ns);
    ip('addr', 'add', `${localAddress}/30`, 'dev', outer);
    ip('link', 'set', outer, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${remoteAddress}/30`, 'dev', inner);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', inner, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  } catch (err) {
    spawnSync('ip', ['netns', 'del', ns]);
    throw err;
  }
  return {
    localAddress,
    remoteAddress,
    node: (script) => execFileSync('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 }),
    remove() {
      // Deleting the namespace deletes its end of the pair, and with it the other end.
      spawnSync('ip', ['netns', 'del', ns]);
      spawnSync('ip', ['link', 'del', outer]);
    },
  };
}
