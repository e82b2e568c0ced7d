import { describe, expect, it } from "vitest";
import { parseScenarioText } from "../src/scenario/load.ts";
import { ScenarioError } from "../src/scenario/errors.ts";
import { jsonSyntaxError } from "../src/json-syntax.ts";

describe("jsonSyntaxError", () => {
  it.each([
    ['{"a": 1,}', 8, "expected double-quoted property name"],
    ['{"a" 1}', 5, "expected ':' after property name"],
    ['{"a": [1,]}', 9, "unexpected token ']'"],
    ['{\n "a": 1\n "b": 2}', 11, "expected ',' or '}' after property value"],
    ["{'a': 1}", 1, "expected property name or '}'"],
    ['{"a": 1} x', 9, "unexpected non-whitespace character after JSON"],
    ['{"a": 1', 7, "the text ends early (a missing } or ] or closing quote?)"],
  ])("%j: offset %i, %s", (text, index, message) => {
    expect(jsonSyntaxError(text)).toEqual({ index, message });
  });

  it("is null for valid JSON, and never echoes a long input back", () => {
    expect(jsonSyntaxError('{"a": [1, 2], "b": {"c": null}}')).toBeNull();
    const long = `{"agents": [${'{"id": "a"}, '.repeat(200)}]}`;
    const bad = jsonSyntaxError(long)!;
    expect(bad.message).toBe("unexpected token ']'");
    expect(long[bad.index]).toBe("]");
  });
});

describe("a .json scenario is checked as JSON", () => {
  const problemOf = (text: string, file: string) => {
    try {
      parseScenarioText(text, file);
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      return (err as ScenarioError).problems;
    }
    throw new Error("expected a ScenarioError");
  };

  it("reports a trailing comma, which YAML would accept, with its line and column", () => {
    const text = '{\n  "name": "x",\n  "agents": [{"id": "a", "type": "utility", "value": "prosocial"},]\n}\n';
    expect(problemOf(text, "s.json")).toEqual([{ path: "", line: 3, column: 67, message: "JSON: unexpected token ']'" }]);
    // The same text as .yaml is read as a YAML flow mapping and is valid.
    expect(parseScenarioText(text, "s.yaml").agents).toHaveLength(1);
  });
});
