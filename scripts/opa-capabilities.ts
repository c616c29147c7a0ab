// Capabilities for `opa build -t wasm`: the builtins the opa-wasm SDK implements, with the language
// features of the pinned opa (the SDK's own file predates `rego_v1`, which Rego v1 parsing needs).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

interface Capabilities {
  builtins: { name: string }[];
  future_keywords?: string[];
  features?: string[];
  wasm_abi_versions?: unknown[];
}

export function writeWasmCapabilities(opaBin: string, outFile: string): string {
  // The file is not in the package's "exports": locate it next to the resolved entry point.
  const entry = createRequire(import.meta.url).resolve('@open-policy-agent/opa-wasm');
  const pkgRoot = entry.slice(0, entry.lastIndexOf(`${sep}@open-policy-agent${sep}opa-wasm${sep}`) + `${sep}@open-policy-agent${sep}opa-wasm`.length);
  const sdk = JSON.parse(readFileSync(join(pkgRoot, 'capabilities.json'), 'utf8')) as Capabilities;
  const current = JSON.parse(execFileSync(opaBin, ['capabilities', '--current']).toString()) as Capabilities;
  const merged: Capabilities = {
    builtins: sdk.builtins,
    future_keywords: current.future_keywords,
    features: current.features,
    wasm_abi_versions: sdk.wasm_abi_versions,
  };
  writeFileSync(outFile, JSON.stringify(merged));
  return outFile;
}
