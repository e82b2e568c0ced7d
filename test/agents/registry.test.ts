import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { createAgent } from "../../agents/registry.ts";
import { InputError } from "../../src/core/errors.ts";
import { loadScenario } from "../../src/scenario/load.ts";
import { expandAgents } from "../../src/scenario/expand.ts";
import { PRIMARY_ITEMS } from "../../src/core/instrument.ts";
import { twoPersonObservation } from "../../src/environment/observation.ts";
import { ctxFor } from "./helpers.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixtures = `${root}test/fixtures/scenarios`;
const item1 = { id: "svo-1", options: PRIMARY_ITEMS[0].options.map((o, i) => ({ label: "ABCDEFGHI"[i], ...o })) };
type Past = { partnerId: string; self: number; other: number };
const obs = (decisionId: string, partner: string, past: Past[] = []) => twoPersonObservation({
  decisionId, sessionId: "s", trial: 0, round: past.length, rounds: 6, item: item1, partner: { id: partner },
  history: past.map((p, round) => ({
    trial: 0, round, itemId: "svo-1", partnerId: p.partnerId, own: null,
    partner: { option: 1, label: "A", self: p.self, other: p.other }, received: 0, partnerReceived: 0,
  })),
});

describe("createAgent", () => {
  it("builds each built-in type", async () => {
    for (const type of ["utility", "logit", "random", "constant", "reciprocal"]) {
      const agent = await createAgent({ id: `x-${type}`, type, value: "prosocial" }, ctxFor(1), root);
      expect(agent.id).toBe(`x-${type}`);
      expect((await agent.decide(obs("d", "p"))).kind).toBe("choice");
    }
  });

  it("loads the example custom agent from the example scenario, relative to the scenario file", async () => {
    const { scenario, dir } = await loadScenario(`${root}scenarios/examples/custom-agent.yaml`);
    const spec = expandAgents(scenario)[0];
    const tft = await createAgent(spec, ctxFor(1, spec.id), dir);
    expect(tft.id).toBe("tft");
    // Cooperates first: item 1's joint maximum is option A (85, 85).
    expect(await tft.decide(obs("d0", "com"))).toEqual({ kind: "choice", index: 0 });
    // The partner kept (85, 15), revealed −45° < 22.45: tit-for-tat defects against it (85, 15) …
    const defected = [{ partnerId: "com", self: 85, other: 15 }];
    expect(await tft.decide(obs("d1", "com", defected))).toEqual({ kind: "choice", index: 8 });
    // … and forgives once the partner's latest choice cooperates.
    const forgiven = [...defected, { partnerId: "com", self: 85, other: 85 }];
    expect(await tft.decide(obs("d3", "com", forgiven))).toEqual({ kind: "choice", index: 0 });
  });

  it("passes extra scenario fields through to the module", async () => {
    // With threshold −90 every partner counts as cooperating, so it never defects.
    const tft = await createAgent({ id: "t", type: "./agents/examples/tit-for-tat.ts", value: "prosocial", threshold: -90 }, ctxFor(1), root);
    expect(await tft.decide(obs("d", "p", [{ partnerId: "p", self: 85, other: 15 }]))).toEqual({ kind: "choice", index: 0 });
  });

  it("rejects broken modules with clear InputErrors", async () => {
    const make = (type: string) => createAgent({ id: "m", type, value: "prosocial" }, ctxFor(1), fixtures);
    await expect(make("./modules/not-there.ts")).rejects.toThrow(new InputError(`agent m: module not found: ${fixtures}/modules/not-there.ts`));
    await expect(make("./modules/no-factory.ts")).rejects.toThrow(/agent m: module .*no-factory\.ts exports no agent factory/);
    await expect(make("./modules/no-decide.ts")).rejects.toThrow(/returned an agent without a decide\(obs\) function/);
    await expect(make("./modules/wrong-id.ts")).rejects.toThrow(/returned id 'someone-else', expected 'm'/);
    await expect(make("genius")).rejects.toBeInstanceOf(InputError);
  });
});
