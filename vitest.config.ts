import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
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
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'scripts/**/*.test.ts'],
        },
      },
      {
        // The console's browser tests run after the rest (`npm test`), one file at a time: each
        // drives a full console in Chromium, and competing for the two cores with PDF rendering,
        // LibreOffice and each other made their waits flaky.
        extends: true,
        test: { name: 'e2e', include: ['e2e/**/*.test.ts'], fileParallelism: false },
      },
    ],
  },
});
