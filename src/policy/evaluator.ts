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
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class PolicyEvaluator {
  private readonly exports: OpaExports;
  private readonly memory: WasmMemory;
  private bytes: Uint8Array;

  private constructor(private readonly policy: LoadedPolicy) {
    this.exports = (policy.wasmInstance as unknown as { exports: OpaExports }).exports;
    this.memory = policy.mem as unknown as WasmMemory;
    this.bytes = new Uint8Array(this.memory.buffer);
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

  /** The value of the entrypoint rule, or undefined when the rule is undefined for this input. */
  evaluate(entrypoint: number, input: unknown): unknown {
    const json: string | undefined = JSON.stringify(input);
    if (json === undefined) throw new Error('the policy input is not a JSON value');
    const at = this.policy.dataHeapPtr as number;
    // UTF-8 needs at most 3 bytes per UTF-16 unit; grow first so encodeInto never truncates.
    const need = at + json.length * 3 - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    if (this.bytes.buffer !== this.memory.buffer) this.bytes = new Uint8Array(this.memory.buffer);
    const { written } = encoder.encodeInto(json, this.bytes.subarray(at));
    const result = this.exports.opa_eval(0, entrypoint, this.policy.dataAddr, at, written, at + written, 0);
    // Evaluation may grow memory, which detaches the old view.
    if (this.bytes.buffer !== this.memory.buffer) this.bytes = new Uint8Array(this.memory.buffer);
    const end = this.bytes.indexOf(0, result);
    const set = JSON.parse(decoder.decode(this.bytes.subarray(result, end))) as { result: unknown }[];
    return set[0]?.result;
  }
}
