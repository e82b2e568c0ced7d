/** Reading option letters from model answers: clear letters are read, anything else is a problem, never a guess. */
import { describe, expect, it } from "vitest";
import { readStructured, readText } from "../../agents/llm/answer.ts";

const L = ["A", "B", "C", "D", "E", "F", "G", "H", "I"];
const idx = (text: string) => {
  const r = readText(text, L);
  return r.ok ? L[r.index] : r.problem;
};

describe("readText", () => {
  it.each([
    ["C", "C"],
    ["c", "C"],
    ["(E)", "E"],
    ["**F**", "F"],
    ['"G".', "G"],
    ["B: it is the fairest", "B"],
    ["H. I want the most for me", "H"],
    ["D - balanced", "D"],
    ["A\nBecause I care about others.", "A"],
    ["Option C: most for both", "C"],
    ["I choose option D, since it balances things.", "D"],
    ["I think I will go with F.", "F"],
    ["My answer is: G", "G"],
    ["After thinking, I pick I.", "I"],
    ["I would like a fair split.", "names no option letter"],
    ["A fair split matters to me.", "names no option letter"],
    ["Option A or option B", "names several options (A, B)"],
    ["A: no wait, I choose B", "names several options (A, B)"],
    ["I choose a fair split", "names no option letter"],
    ["   ", "empty answer"],
    ["Z", "names no option letter"],
  ])("%j → %s", (text, expected) => {
    expect(idx(text)).toBe(expected);
  });

  it("returns the text after the letter as the reason", () => {
    expect(readText("B: it is the fairest", L)).toEqual({ ok: true, index: 1, reason: "it is the fairest" });
    expect(readText("C", L)).toEqual({ ok: true, index: 2, reason: null });
  });

  it("works with two-letter labels of long items", () => {
    const long = Array.from({ length: 30 }, (_, i) => (i < 26 ? String.fromCharCode(65 + i) : `A${String.fromCharCode(65 + i - 26)}`));
    expect(readText("AB", long)).toMatchObject({ ok: true, index: 27 });
    expect(readText("A", long)).toMatchObject({ ok: true, index: 0 });
  });
});

describe("readStructured", () => {
  const base = { content: "", parsed: null, refusal: null, cached: false, inputTokens: 0, outputTokens: 0, costUsd: 0 };
  it("takes the validated letter and reason", () => {
    expect(readStructured({ ...base, content: '{"letter":"D","reason":"fair"}', parsed: { letter: "D", reason: "fair" } }, L)).toEqual({ ok: true, index: 3, reason: "fair" });
  });
  it("names the problem for refusals, empty content, bad letters and missing fields", () => {
    expect(readStructured({ ...base, refusal: "no" }, L)).toEqual({ ok: false, problem: "refused: no" });
    expect(readStructured(base, L)).toEqual({ ok: false, problem: "empty answer" });
    expect(readStructured({ ...base, content: '{"letter":"Q"}' }, L)).toEqual({ ok: false, problem: "letter 'Q' is not one of the options" });
    expect(readStructured({ ...base, content: '{"choice":"A"}' }, L)).toEqual({ ok: false, problem: "the answer has no letter field" });
  });
  it("reads a plain-text answer from a server that ignored the schema", () => {
    expect(readStructured({ ...base, content: "E" }, L)).toMatchObject({ ok: true, index: 4 });
  });
});
