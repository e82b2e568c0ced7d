import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // No test touches the user's cache directory (~/.cache/hvae): each file gets its own.
    setupFiles: ["test/support/isolated-cache.ts"],
    // The JSON results let .ci/run print the closing "N passed, N failed" line CI reads.
    reporters: ["default", "json"],
    outputFile: { json: ".cache/vitest-results.json" },
  },
});
