import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql module for every importer, or type-graphql and Apollo see two realms (STACK.md pitfall 3).
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // No process a test starts outlives the run (test/support/owned-processes.ts).
    globalSetup: ["test/setup/processes.global.ts"],
    setupFiles: ["test/setup/processes.file.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
