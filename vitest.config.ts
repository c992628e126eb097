import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Integration tests share one Docker engine, registry and sshd; run files one at a time.
    fileParallelism: false,
    globalSetup: ['tests/sandbox/globalSetup.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});
