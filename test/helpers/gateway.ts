// Starts a real Aegis gateway (the same runtime `aegis serve` builds) on a free loopback port.
import { parseConfig } from '../../src/config';
import { MemoryLogger, type Logger } from '../../src/core';
import { GatewayRuntime, type GatewayRuntimeOptions } from '../../src/cli/runtime';
import { hashKey } from '../../src/gateway';

export const testKey = 'aegis-test-key-0123456789abcdef';

export interface TestGateway {
  runtime: GatewayRuntime;
  url: string;
  logger: MemoryLogger;
  close(): Promise<void>;
}

export async function startGateway(config: Record<string, unknown>, options: Partial<GatewayRuntimeOptions> = {}): Promise<TestGateway> {
  // Policy, recording and the scheduler are off unless a test turns them on: these gateways test other stages.
  const withKey = {
    auth: { keys: [{ id: 'test', name: 'test', hash: hashKey(testKey), roles: ['user', 'admin'] }] },
    policy: { enabled: false },
    rag: { enabled: false },
    scheduler: { enabled: false },
    ...config,
  };
  const logger = new MemoryLogger();
  const runtime = await GatewayRuntime.create(parseConfig(JSON.stringify(withKey), process.env, 'test config'), { logger: logger as Logger, ...options });
  // Tests that pass their own logger read it themselves; `logger` then stays empty.
  const { url } = await runtime.listen('127.0.0.1', 0);
  return { runtime, url, logger, close: () => runtime.close(2_000) };
}
