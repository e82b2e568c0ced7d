import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // The JSON results let .ci/run print the closing "N passed, N failed" line CI reads.
    reporters: ["default", "json"],
    outputFile: { json: ".cache/vitest-results.json" },
  },
});
