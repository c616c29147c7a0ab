// Which strategy a request gets: the client's `x-aegis-truncate` header, else the model's
// configured one, within what policy allows (its `truncation` obligation: the first entry is the
// default, an empty list refuses to cut).
import type { Strategy } from './types';

/**
 * A strategy from its name. Policy data says `refuse` where the header says `error`
 * (src/policy/README.md); both mean the same.
 */
export function parseStrategy(name: string): Strategy | undefined {
  switch (name.trim().toLowerCase()) {
    case 'error':
    case 'refuse':
      return 'error';
    case 'drop-oldest':
      return 'drop-oldest';
    case 'middle-out':
      return 'middle-out';
    default:
      return undefined;
  }
}

/** The name policy data uses for a strategy. */
export const policyName = (s: Strategy): string => (s === 'error' ? 'refuse' : s);

export interface StrategyChoice {
  strategy: Strategy;
  /** Who chose it. */
  by: 'header' | 'config' | 'policy';
}

export interface StrategyInputs {
  /** From `x-aegis-truncate`, already validated. */
  requested?: Strategy;
  /** The model's configured strategy (or the gateway's default). */
  configured: Strategy;
  /** The policy's `truncation` obligation; undefined when no policy runs. */
  allowed?: readonly string[];
}

export function chooseStrategy({ requested, configured, allowed }: StrategyInputs): StrategyChoice {
  if (allowed === undefined) return requested ? { strategy: requested, by: 'header' } : { strategy: configured, by: 'config' };
  const permitted = allowed.map(parseStrategy).filter((s): s is Strategy => s !== undefined);
  // The policy denied a requested strategy it does not allow before this runs; a policy that names
  // nothing usable allows only refusing.
  if (requested && permitted.includes(requested)) return { strategy: requested, by: 'header' };
  if (permitted.length === 0) return { strategy: 'error', by: 'policy' };
  if (permitted.includes(configured)) return { strategy: configured, by: 'config' };
  return { strategy: permitted[0]!, by: 'policy' };
}
