// The registry's versioning rules as pure functions over plain data: entry validation and the
// promotion pointer (a stack of promoted versions plus an append-only history). Both stores use them.
import { GatewayError } from '../core';
import type { ModelEntry } from './types';

export interface PointerMove {
  action: 'promote' | 'rollback';
  version: string;
  previous?: string;
  by: string;
  /** ISO time. */
  at: string;
}

export interface PromotionPointer {
  /** The version `name` resolves to. */
  version: string;
  /** Promoted versions, oldest first; rollback pops the top. */
  stack: string[];
  /** Every move ever made; never rewritten. */
  history: PointerMove[];
}

export interface RegistryState {
  models: ModelEntry[];
  pointers: Record<string, PromotionPointer>;
}

const MAX_STACK = 50;
const ID = /^[^\s@]+$/;

export const entryKey = (name: string, version: string): string => `${name}@${version}`;

/** `name@version` must stay unambiguous, so neither part may contain `@` or whitespace. */
export function checkEntry(entry: ModelEntry): void {
  if (!ID.test(entry.name)) throw new GatewayError('invalid_request', `invalid model name "${entry.name}"`, { param: 'name' });
  if (!ID.test(entry.version)) throw new GatewayError('invalid_request', `invalid model version "${entry.version}"`, { param: 'version' });
}

/** A promotion target must exist and must not be retired. */
export function checkPromotable(name: string, version: string, entry: ModelEntry | undefined): void {
  if (!entry) throw new GatewayError('model_not_found', `model ${entryKey(name, version)} is not in the registry`);
  if (entry.status === 'retired') throw new GatewayError('invalid_request', `model ${entryKey(name, version)} is retired and cannot be promoted`);
}

export function promotePointer(current: PromotionPointer | undefined, version: string, by: string, at: string): PromotionPointer {
  const previous = current?.version;
  const stack = [...(current?.stack ?? []), version].slice(-MAX_STACK);
  return { version, stack, history: [...(current?.history ?? []), { action: 'promote', version, previous, by, at }] };
}

/**
 * Back to the version promoted before the current one, skipping versions that were retired or
 * removed since (`usable` says which are still routable).
 */
export function rollbackPointer(
  name: string,
  current: PromotionPointer | undefined,
  by: string,
  at: string,
  usable: (version: string) => boolean,
): PromotionPointer {
  const stack = [...(current?.stack ?? [])];
  stack.pop();
  while (stack.length > 0 && !usable(stack.at(-1)!)) stack.pop();
  const target = stack.at(-1);
  if (!current || !target) throw new GatewayError('invalid_request', `${name} has no earlier promoted version to roll back to`);
  return { version: target, stack, history: [...current.history, { action: 'rollback', version: target, previous: current.version, by, at }] };
}
