/**
 * `hvae view` in a real Chromium (playwright-core, the Debian browser; never downloaded): a
 * decision page shows exactly the messages the local server received, filters narrow tables and
 * charts, search finds answers, a live run's page gains decisions as they are written, a run
 * without transcripts says why the panes are empty. Each page is saved as a screenshot in
 * .cache/screenshots/ to look at. Without a browser the suite is skipped, with the reason in its name.
 */
import { CHART_TITLES } from "../../analysis/report/charts.ts";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startViewer, type Viewer } from "../../src/view/server.ts";
import { hvae, ROOT, startHvae } from "../support/hvae-process.ts";
import { offeredLabels, startOpenAiServer, type FakeOpenAi } from "../support/openai-server.ts";

const CHROME = process.env.CHROME_PATH ?? "/usr/bin/chromium";
const HAS_CHROME = existsSync(CHROME);
const SHOTS = join(ROOT, ".cache", "screenshots");
const TITLE = HAS_CHROME ? "hvae view in Chromium" : `hvae view in Chromium — SKIPPED: no browser at ${CHROME} (install chromium or set CHROME_PATH)`;
if (!HAS_CHROME) console.warn(`test/view/viewer.test.ts: skipped: no browser at ${CHROME} (install chromium or set CHROME_PATH)`);

let server: FakeOpenAi;
let dir: string;
let runs: string;
let viewer: Viewer;
let ctx: BrowserContext;
let fairAnswers = 0;

function write(name: string, body: string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, body);
  return path;
}

const llmScenario = (name: string, trials: number) => `name: ${name}
seed: 2
trials: ${trials}
game: { type: svo-slider, items: primary, shuffleOptions: true }
pairing: none
maxConcurrency: 2
endpoints:
  local: { baseURL: "${server.baseURL}", apiKeyEnv: null, timeoutMs: 5000, maxConcurrency: 2, structuredOutput: true }
agents:
  - { id: pro, type: llm, value: prosocial, model: "local:m", prompts: { describe: true, goal: true } }
  - { id: com, type: llm, value: competitive, model: "local:m", prompts: { describe: true, goal: false } }
  - { id: util, type: utility, value: individualistic }
`;

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe.skipIf(!HAS_CHROME)(TITLE, () => {
  beforeAll(async () => {
    server = await startOpenAiServer({
      respond: (req) => {
        const labels = offeredLabels(req.body);
        if (labels.length === 0) return { kind: "answer", content: `Someone who weighs every split with care (reply ${req.index}).` };
        // com's second item gets a letter that is not offered, and so does its repair: an invalid decision.
        const msgs = req.body.messages;
        const second = (m?: { content: string }) => /^Decision 2 of/.test(m?.content ?? "");
        if (msgs[0].content.includes("competitive") && (second(msgs.at(-1)) || (second(msgs.at(-3)) && !/^Decision/.test(msgs.at(-1)!.content)))) {
          return { kind: "answer", content: { letter: "Z", reason: "none of these" } };
        }
        const fair = req.index % 3 === 0;
        if (fair) fairAnswers++;
        return { kind: "answer", content: { letter: labels[req.index % labels.length], reason: fair ? "It is the fair thing to do." : "It suits me." } };
      },
    });
    dir = mkdtempSync(join(tmpdir(), "hvae-view-"));
    runs = join(dir, "runs");
    const env = { HVAE_CACHE: join(dir, "cache.sqlite"), OPENAI_API_KEY: "" };
    const a = await hvae(["run", write("mixed", llmScenario("mixed", 2)), "--out", runs, "--quiet"], { env });
    expect(a.code, a.stderr).toBe(0);
    const b = await hvae(["run", write("rules", "name: rules\nseed: 1\ntrials: 2\npairing: round-robin\nagents:\n  - { id: u, type: utility, value: prosocial }\n  - { id: v, type: utility, value: competitive }\n"), "--out", runs, "--quiet"]);
    expect(b.code, b.stderr).toBe(0);
    viewer = await startViewer({ target: runs, port: 0 });
    ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "hvae-chromium-")), {
      executablePath: CHROME,
      args: ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update"],
      viewport: { width: 1280, height: 900 },
    });
  }, 180_000);
  afterAll(async () => {
    await ctx?.close();
    await viewer?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runId = (prefix: string) => readdirSync(runs).find((d) => d.startsWith(`${prefix}-`))!;
  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(new URL(path, viewer.url).href);
    return { page, errors };
  }

  it("lists the runs with status, scenario, models and cost", async () => {
    const { page, errors } = await open("/");
    const rows = await page.locator("#runs tbody tr").allInnerTexts();
    expect(rows).toHaveLength(2);
    // local:m has no price: its cost is unknown, never $0.0000.
    expect(rows.find((r) => r.includes("mixed"))).toMatch(/completed[\s\S]*local:m, utility[\s\S]*\bunknown\b/);
    await shot(page, "runs");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a decision page shows the options as presented and exactly the messages the server received", async () => {
    const id = "pro#t1/r2/pro";
    const { page, errors } = await open(`/decision/${encodeURIComponent(id)}?run=${runId("mixed")}`);
    await expect.poll(() => page.locator("#conversation .call").count()).toBe(1);
    const roles = await page.locator("#conversation .call .messages .msg .role").allInnerTexts();
    const texts = await page.locator("#conversation .call .messages .msg pre").allTextContents();
    const shown = texts.map((content, i) => ({ role: roles[i].split(" · ")[0].toLowerCase(), content }));
    // Among what the server received there is a request with exactly these messages, in order.
    const match = server.requests.filter((r) => JSON.stringify(r.body.messages.map((m) => ({ role: m.role, content: m.content }))) === JSON.stringify(shown));
    expect(match).toHaveLength(1);
    expect(shown.at(-1)!.content).toMatch(/^Decision 3 of 6/);
    // The persona description is the describe answer, first thing in the conversation.
    await expect.poll(() => page.locator(".persona pre").textContent()).toBe(shown[1].content);
    // Options as presented: nine labels A–I, the chosen one marked, matching the server's answer.
    expect(await page.locator("#options tbody tr").count()).toBe(9);
    const chosen = await page.locator("#options tr.chosen td").first().textContent();
    const answered = JSON.parse(String(await page.locator(".msg.response pre").first().textContent())) as { letter: string };
    expect(chosen).toBe(answered.letter);
    await shot(page, "decision");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("filters narrow the groups and agents tables and redraw the charts", async () => {
    const { page, errors } = await open(`/run/${runId("mixed")}/`);
    await expect.poll(() => page.locator("#charts").getAttribute("data-drawn"), { timeout: 20_000 }).toBe(String(Object.keys(CHART_TITLES).length));
    expect(await page.locator("#charts svg").count()).toBeGreaterThanOrEqual(Object.keys(CHART_TITLES).length);
    expect(await page.locator("#agents tbody tr:visible").count()).toBe(3);
    await page.selectOption('select[name="type"]', "llm");
    await expect.poll(() => page.locator("#agents tbody tr:visible").count()).toBe(2);
    await page.selectOption('select[name="value"]', "prosocial");
    await expect.poll(() => page.locator("#agents tbody tr:visible").count()).toBe(1);
    expect(await page.locator("#agents tbody tr:visible td").first().textContent()).toBe("pro");
    expect(await page.locator("#groups tbody tr:visible").count()).toBe(1);
    expect(page.url()).toMatch(/value=prosocial/);
    await expect.poll(() => page.locator("#charts").getAttribute("data-drawn")).toBe(String(Object.keys(CHART_TITLES).length));
    // The charts drawn are the filtered specs: one agent point on the circle, one value's VR bars.
    const specs = await page.evaluate(async () => {
      const r = await fetch(`/api/run/${document.querySelector<HTMLElement>("#charts")!.dataset.run}/charts${location.search}`);
      return (await r.json()) as { id: string; spec: { layer?: { data?: { values: unknown[] } }[]; data?: { values: { value: string }[] } } }[];
    });
    expect(specs.find((c) => c.id === "circle")!.spec.layer!.find((l) => (l.data?.values[0] as { agent?: string } | undefined)?.agent !== undefined)!.data!.values).toHaveLength(1);
    expect(new Set(specs.find((c) => c.id === "vr")!.spec.data!.values.map((v) => v.value))).toEqual(new Set(["prosocial"]));
    await shot(page, "run-filtered");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("an agent page lists trajectories with their angles and decisions linking to their pages", async () => {
    const { page, errors } = await open(`/run/${runId("mixed")}/agent/com`);
    expect(await page.locator("#trajectories tbody tr").count()).toBe(2);
    expect(await page.locator("#decisions tbody tr").count()).toBe(12);
    // Its invalid answers are highlighted, and their trajectories have no angle.
    expect(await page.locator("#decisions tbody tr.invalid").count()).toBe(2);
    expect(await page.locator("#decisions tbody tr.invalid").first().innerText()).toMatch(/invalid[\s\S]*'Z'/);
    expect(await page.locator("#trajectories td.angle").allTextContents()).toEqual(["not identified", "not identified"]);
    await page.locator("#decisions tbody a").first().click();
    await page.waitForURL(/\/decision\//);
    expect(await page.locator("h1").textContent()).toContain("com#t0/r0/com");
    await shot(page, "agent-to-decision");
    await page.goBack();
    await shot(page, "agent");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("search finds every answer that mentions 'fair'", async () => {
    const { page, errors } = await open("/search?q=fair");
    expect(await page.locator("#hits li").count()).toBe(fairAnswers);
    expect(await page.locator("#hits mark").first().textContent()).toBe("fair");
    await shot(page, "search");
    await page.locator("#hits a").first().click();
    await page.waitForURL(/\/decision\//);
    expect(await page.locator("#conversation").innerText()).toContain("It is the fair thing to do.");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a run without transcripts opens, its transcript pane saying why it is empty", async () => {
    const { page, errors } = await open(`/decision/${encodeURIComponent("u+v#t0/r0/u")}?run=${runId("rules")}`);
    expect(await page.locator("#no-calls").textContent()).toMatch(/no transcripts\.jsonl/);
    expect(await page.locator("#options tbody tr").count()).toBe(9);
    await shot(page, "decision-no-transcripts");
    const search = await open(`/search?q=fair&run=${runId("rules")}`);
    expect(await search.page.locator(".empty").textContent()).toMatch(/no transcripts\.jsonl/);
    expect([...errors, ...search.errors]).toEqual([]);
    await page.close();
    await search.page.close();
  });

  it("a live run's page gains decisions while it runs, then shows the finished run", async () => {
    // The first 20 calls come quickly; later ones stall until released, so the page is caught mid-run.
    let released = false;
    const before = server.count();
    server.configure({
      respond: (req) => {
        const labels = offeredLabels(req.body);
        const delayMs = released || req.index - before < 20 ? 30 : 2500;
        return labels.length ? { kind: "answer", letter: labels[0], delayMs } : { kind: "answer", content: "A careful person.", delayMs };
      },
    });
    const liveRuns = join(dir, "live");
    const child = startHvae(["run", write("live", llmScenario("live", 3)), "--out", liveRuns, "--quiet", "--no-cache"], { env: { OPENAI_API_KEY: "" } });
    try {
      await expect.poll(() => existsSync(liveRuns) && readdirSync(liveRuns).length > 0, { timeout: 30_000 }).toBe(true);
      const liveDir = join(liveRuns, readdirSync(liveRuns)[0]);
      await expect.poll(() => existsSync(join(liveDir, "events.jsonl")), { timeout: 30_000 }).toBe(true);
      const live = await startViewer({ target: liveDir, port: 0 });
      try {
        const page = await ctx.newPage();
        await page.goto(live.url);
        expect(await page.locator("body").getAttribute("data-live")).toBeTruthy();
        expect(await page.locator("#run-status").textContent()).toBe("running");
        const first = await page.locator("#recent tbody tr").count();
        // Rows arrive over the event stream, with no reload (the marker would vanish on one).
        await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
        await expect.poll(() => page.locator("#recent tbody tr").count(), { timeout: 30_000 }).toBeGreaterThan(first + 2);
        expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
        expect(await page.locator("#run-status").textContent()).toBe("running");
        expect(await page.locator("#progress-text").textContent()).toMatch(/^\d+\/54 decisions$/);
        await shot(page, "live-running");
        released = true;
        // When the run ends, the page loads once more and shows the finished run without a live feed.
        await expect.poll(() => page.locator("#run-status").textContent(), { timeout: 60_000 }).toBe("completed");
        await expect.poll(() => page.locator("body").getAttribute("data-live"), { timeout: 10_000 }).toBe(null);
        expect(await page.locator("#progress-text").textContent()).toBe("54/54 decisions");
        await shot(page, "live-finished");
        await page.close();
      } finally {
        await live.close();
      }
    } finally {
      child.child.kill("SIGKILL");
      await child.done;
    }
  }, 120_000);
});
