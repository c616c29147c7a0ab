// Three projects: `unit` (pure, no test world, fast), `fault` (the fault suite and property tests:
// real sockets and fakes; only the MongoDB outage asks the test world, for FerretDB;
// test/fault/README.md) and `world` (integration, e2e and test-world smoke tests that ask the
// global setup for real runtimes, MongoDB and opa).
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
          name: 'fault',
          include: ['test/fault/**/*.test.ts'],
          // The controller starts nothing until a file asks (`world('ferretdb')` in mongo-outage).
          globalSetup: ['test/world/global-setup.ts'],
          testTimeout: 60_000,
          // Load, sockets and child processes: one file at a time, after the unit tests' group.
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
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
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
