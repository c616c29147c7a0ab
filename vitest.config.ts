// Two projects: `unit` (pure, no test world, fast) and `world` (integration, e2e and test-world
// smoke tests that ask the global setup for real runtimes, MongoDB and opa).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'world',
          globalSetup: ['test/world/global-setup.ts'],
          include: ['test/world/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          // Real model loads on two CPU cores: generous, but bounded.
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // Files share the runtimes; two at a time keeps two cores from thrashing.
          maxWorkers: 2,
          // Unit tests run first, as their own group (vitest requires it when worker limits differ).
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
