import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'e2e/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // One console build before the workers start (see e2e/global-setup.ts).
    globalSetup: ['e2e/global-setup.ts'],
    // Each platform test file boots its own PGlite (a few seconds of WASM start-up), and the
    // browser tests launch Chromium, so the defaults are too tight.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Forks isolate WASM/PGlite memory per file and survive native modules (sharp, argon2).
    pool: 'forks',
    // The CI box has two cores shared with PostgreSQL and Chromium.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
