// Budget parsing: "24GiB", "512 MB", "0.75" (fraction of what the machine has) and "75%", plus a reserve.
// Resolving to bytes once at start keeps the state machine free of unit handling.

import { totalmem } from 'node:os';
import type { ResourceBudget } from './types';

const UNITS: Record<string, number> = {
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

export type BudgetValue = string | number;

export type ParsedAmount = { bytes: number } | { fraction: number };

/**
 * A plain number ≤ 1 (or "0.75", "75%") is a fraction of the machine's total; anything else is bytes
 * ("24GiB", "8 GB", 1073741824). Decimal units are SI, binary units IEC, as in every runtime's docs.
 */
export function parseAmount(value: BudgetValue): ParsedAmount {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid budget ${value}`);
    return value <= 1 ? { fraction: value } : { bytes: value };
  }
  const text = value.trim().toLowerCase();
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (percent) return { fraction: Number(percent[1]) / 100 };
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(text);
  if (!match) throw new Error(`invalid budget "${value}"`);
  const amount = Number(match[1]);
  const unit = match[2] ?? '';
  if (unit === '') return parseAmount(amount);
  const scale = UNITS[unit];
  if (scale === undefined) throw new Error(`unknown unit "${unit}" in budget "${value}"`);
  return { bytes: Math.round(amount * scale) };
}

/** Bytes of an absolute amount; a fraction is resolved against `totalBytes`. */
export function parseBytes(value: BudgetValue, totalBytes = 0): number {
  const parsed = parseAmount(value);
  return 'bytes' in parsed ? parsed.bytes : Math.floor(parsed.fraction * totalBytes);
}

export interface ResourceBudgetConfig {
  /** Absolute ("24GiB") or fraction ("0.75") of `totalBytes`; default: all of it. */
  budget?: BudgetValue;
  /** Kept free inside the budget; default 0. */
  reserve?: BudgetValue;
}

export interface GpuBudgetConfig extends ResourceBudgetConfig {
  /** The GPU's VRAM (from discovery or config); fractions resolve against it. */
  totalBytes: number;
}

export interface BudgetsConfig {
  ram?: ResourceBudgetConfig;
  gpus?: GpuBudgetConfig[];
}

export interface ResolveBudgetsOptions {
  /** Host RAM; defaults to `os.totalmem()`. */
  totalMemBytes?: number;
}

export function resolveBudget(id: string, config: ResourceBudgetConfig, totalBytes: number): ResourceBudget {
  const budgetBytes = config.budget === undefined ? totalBytes : parseBytes(config.budget, totalBytes);
  const reserveBytes = config.reserve === undefined ? 0 : parseBytes(config.reserve, totalBytes);
  if (budgetBytes <= 0) throw new Error(`budget for ${id} resolves to 0 bytes`);
  if (reserveBytes >= budgetBytes) throw new Error(`reserve for ${id} leaves no room in its budget`);
  return { id, totalBytes, budgetBytes, reserveBytes };
}

/** `ram` plus `gpu0`, `gpu1`, … in the order given. */
export function resolveBudgets(config: BudgetsConfig, options: ResolveBudgetsOptions = {}): ResourceBudget[] {
  const totalMem = options.totalMemBytes ?? totalmem();
  const budgets = [resolveBudget('ram', config.ram ?? {}, totalMem)];
  for (const [i, gpu] of (config.gpus ?? []).entries()) budgets.push(resolveBudget(`gpu${i}`, gpu, gpu.totalBytes));
  return budgets;
}
