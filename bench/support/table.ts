/**
 * A plain-text table with left-aligned columns, for terminals and for pasting into Markdown
 * code blocks.
 *
 * @example
 * formatTable(["row", "value"], [["a", "1"], ["b", "22"]]);
 * // row  value
 * // a    1
 * // b    22
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** 1234567.8 → "1,234,568". */
export const int = (x: number) => Math.round(x).toLocaleString("en-US");

/** A number with `digits` decimals. */
export const fixed = (x: number, digits = 1) => x.toFixed(digits);
