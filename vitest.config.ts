import { defineConfig } from 'vitest/config';

// Three tiers, visible by file name (docs/STYLE.md §10):
//   unit  *.test.ts next to the code, no network;
//   int   *.int.test.ts against real Kafka/Postgres/Redis started once by the global setup;
//   e2e   test-e2e/*.test.ts, black-box across service processes with the real supabase-js client.
const infraSetup = './libs/testing/src/global-setup.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'int',
          include: ['libs/*/src/**/*.int.test.ts', 'services/*/src/**/*.int.test.ts', 'services/*/test/**/*.int.test.ts'],
          globalSetup: [infraSetup],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test-e2e/**/*.test.ts'],
          globalSetup: [infraSetup],
          testTimeout: 90_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
