// The MCP servers the bridge's end-to-end tests spawn: published reference servers from npm that
// nobody here wrote, pinned, installed into a cache folder named after the pins (a changed pin
// installs into a new folder) and stamped once complete.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './manifest';
import { run } from './run';

export const mcpServerPins = {
  '@modelcontextprotocol/server-everything': '2026.8.31',
  '@modelcontextprotocol/server-memory': '2026.8.31',
} as const;

const pinKey = Object.entries(mcpServerPins)
  .map(([name, version]) => `${name.replace(/^@/, '').replace(/[/]/g, '-')}-${version}`)
  .join('_');

/** The npm prefix the servers install into. */
export const mcpServersDir = join(cacheDir, 'mcp-servers', pinKey);
export const mcpServersModules = join(mcpServersDir, 'node_modules');

export async function ensureMcpServers(): Promise<void> {
  const artifact = join(mcpServersDir, 'package.json');
  // The same stamp as install.ts' components: the folder is complete only once it exists.
  if (existsSync(artifact) && existsSync(join(mcpServersDir, '.installed'))) return;
  const started = Date.now();
  rmSync(mcpServersDir, { recursive: true, force: true });
  mkdirSync(mcpServersDir, { recursive: true });
  writeFileSync(artifact, JSON.stringify({ name: 'aegis-testworld-mcp-servers', private: true }));
  const specs = Object.entries(mcpServerPins).map(([name, version]) => `${name}@${version}`);
  // An argument vector and npm.cmd on Windows: no shell anywhere.
  await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--prefix', mcpServersDir, '--no-audit', '--no-fund', '--save-exact', ...specs], {
    log: 'install-mcp-servers.log',
    label: `installing ${specs.join(', ')} (npm)`,
  });
  writeFileSync(
    join(mcpServersDir, '.installed'),
    JSON.stringify({ pins: mcpServerPins, seconds: (Date.now() - started) / 1000, at: new Date().toISOString() }),
  );
}
