// Adds the optional subsystems (scheduler, policy, exchange recording) to a gateway runtime.
import type { AegisConfig } from '../config';
import type { Logger } from '../core';
import type { GatewayDeps } from '../gateway';

export function extendRuntime(logger: Logger) {
  return async function extend(deps: GatewayDeps, config: AegisConfig): Promise<void> {
    void deps;
    void config;
    logger.debug('subsystems: none configured');
  };
}
