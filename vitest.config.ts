import { defineConfig } from 'vitest/config';

// Unit tests live beside the code they test; Playwright suites under test/e2e run separately.
export default defineConfig({
  test: {
    include: [
      'main/**/*.test.ts',
      'native-workers/**/*.test.ts',
      'renderer/**/*.test.ts',
      'test/headless/**/*.test.ts',
    ],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
