import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): real processes, one fault per scenario, minutes long.
 * Its files end in `.faults.ts`, so `npm test` (which runs `*.test.ts`) never picks them up.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.faults.ts'],
    fileParallelism: false,
    testTimeout: 420_000,
    hookTimeout: 180_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
