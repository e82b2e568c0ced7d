/**
 * The CLI's heap policy (src/cli/heap-growth.ts): set at start-up unless the command line chose a
 * growing factor itself. Its effect on peak RSS is measured by test/reliability/load.test.ts.
 */
import { describe, expect, it } from "vitest";
import { boundHeapGrowth, HEAP_GROWING_PERCENT } from "../../src/cli/heap-growth.ts";

describe("heap growth", () => {
  it("is bounded by default and left to a command-line flag when one is given", () => {
    expect(HEAP_GROWING_PERCENT).toBe(50);
    expect(boundHeapGrowth(["--heap-growing-percent=80"])).toBe(false);
    expect(boundHeapGrowth(["--heap_growing_percent=80", "--expose-gc"])).toBe(false);
    expect(boundHeapGrowth(["--expose-gc"])).toBe(true);
  });
});
