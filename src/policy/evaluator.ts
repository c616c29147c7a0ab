// One loaded wasm policy, evaluated through the ABI 1.2 `opa_eval` export directly. The SDK's own
// evaluate() scans the result for its NUL byte in a JS loop and re-encodes input through an extra
// buffer; this does the same work with native calls (measured in bench/policy.ts).
import { loadPolicy, type LoadedPolicy } from '@open-policy-agent/opa-wasm';

// tsconfig has no DOM lib, so the few WebAssembly shapes used here are declared locally.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** A compiled policy module, reusable across instances (a data reload skips recompiling). */
export type CompiledPolicy = { readonly __compiledPolicy: unique symbol };

const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledPolicy> } }).WebAssembly;

export function compilePolicy(bytes: Uint8Array): Promise<CompiledPolicy> {
  return wasm.compile(bytes);
}

interface OpaExports {
  opa_eval(reserved: number, entrypoint: number, data: number, input: number, inputLen: number, heapPtr: number, format: number): number;
}

const PAGE = 64 * 1024;
const MAX_RESULTS = 256;

export class PolicyEvaluator {
  private readonly exports: OpaExports;
  private readonly memory: WasmMemory;
  private view: Buffer;
  /**
   * Parsed results by their JSON text: most requests of a principal get the same decision document,
   * and a map lookup costs less than parsing it again. Bounded: a burst of distinct ones clears it.
   */
  private readonly results = new Map<string, unknown>();

  private constructor(private readonly policy: LoadedPolicy) {
    this.exports = (policy.wasmInstance as unknown as { exports: OpaExports }).exports;
    this.memory = policy.mem as unknown as WasmMemory;
    this.view = Buffer.from(this.memory.buffer);
  }

  /** Instantiates a compiled module with its own memory; `data` is the prepared data document. */
  static async create(module: CompiledPolicy, data: object): Promise<PolicyEvaluator> {
    const policy = await loadPolicy(module as unknown as Parameters<typeof loadPolicy>[0]);
    if (!(Number(policy.minorVersion) >= 2)) throw new Error(`wasm ABI 1.${String(policy.minorVersion)} is too old; rebuild with opa ≥ 0.34`);
    policy.setData(data);
    return new PolicyEvaluator(policy);
  }

  /** The numeric id of an entrypoint such as "aegis/authz/decision"; numbers skip a lookup per call. */
  entrypoint(name: string): number {
    const id = (this.policy.entrypoints as Record<string, number>)[name];
    if (id === undefined) throw new Error(`the policy has no entrypoint ${name} (it has ${Object.keys(this.policy.entrypoints as object).join(', ')})`);
    return id;
  }

  /** A view of wasm memory; growing memory (here or in an evaluation) detaches the old one. */
  private bytes(): Buffer {
    if (this.view.buffer !== this.memory.buffer) this.view = Buffer.from(this.memory.buffer);
    return this.view;
  }

  /** The value of the entrypoint rule, or undefined when the rule is undefined for this input. */
  evaluate(entrypoint: number, input: unknown): unknown {
    const json: string | undefined = JSON.stringify(input);
    if (json === undefined) throw new Error('the policy input is not a JSON value');
    const at = this.policy.dataHeapPtr as number;
    // UTF-8 needs at most 3 bytes per UTF-16 unit; grow first so the write never truncates.
    const need = at + json.length * 3 - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    const written = this.bytes().write(json, at, 'utf8');
    const result = this.exports.opa_eval(0, entrypoint, this.policy.dataAddr, at, written, at + written, 0);
    const bytes = this.bytes();
    const text = bytes.toString('utf8', result, bytes.indexOf(0, result));
    let value = this.results.get(text);
    if (value === undefined) {
      value = deepFreeze((JSON.parse(text) as { result: unknown }[])[0]?.result);
      if (this.results.size >= MAX_RESULTS) this.results.clear();
      this.results.set(text, value);
    }
    return value;
  }
}

/** Results are shared between evaluations (see `results`), so nobody may change one. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
