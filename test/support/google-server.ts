/**
 * A local Google Generative Language API server (`POST /v1beta/models/{model}:generateContent`,
 * the path @google/generative-ai 0.24 builds from its `baseUrl`, which LangChain's
 * ChatGoogleGenerativeAI 2.3 passes on) for tests: structured requests (a `responseSchema`, as
 * `withStructuredOutput` sends by default) are answered with JSON text {letter, reason}, text
 * requests with text; usage as `usageMetadata` (promptTokenCount, candidatesTokenCount).
 * Errors have the API's `{error: {code, message, status}}` shape.
 *
 * @example
 * const server = await startGoogleServer((req) => ({ kind: "answer", letter: req.labels[0] }));
 * // endpoints: { g: { provider: google, baseURL: server.baseURL, apiKeyEnv: GOOGLE_API_KEY } }
 */
import { lineLabels, schemaEnum, startProviderServer, tokens, type ProviderBehaviour, type ProviderRequest, type ProviderRoute, type ProviderServer } from "./provider-server.ts";

type Content = { role?: string; parts?: { text?: string }[] };
const text = (c: Content | undefined): string => (c?.parts ?? []).map((p) => p.text ?? "").join("");

const STATUS: Record<number, string> = { 400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE" };

export const googleRoute: ProviderRoute = {
  matches: (path) => /^\/v1beta\/models\/[^/:]+:generateContent$/.test(path),
  read(body) {
    const contents = (body.contents as Content[]) ?? [];
    const lastUser = text([...contents].reverse().find((c) => c.role === "user"));
    const prompt = [text(body.systemInstruction as Content | undefined), ...contents.map(text)].join("\n");
    const schema = (body.generationConfig as { responseSchema?: unknown } | undefined)?.responseSchema;
    return { lastUser, prompt, structured: !!schema, labels: (schema ? schemaEnum(schema) : null) ?? lineLabels(lastUser) };
  },
  answer(req, b) {
    const out =
      b.content ?? (b.letter === undefined ? "" : req.structured ? JSON.stringify({ letter: b.letter, reason: `Option ${b.letter} fits me.` }) : b.letter);
    const usage = b.usage === null ? undefined : (b.usage ?? { input: tokens(req.prompt), output: tokens(out) });
    return {
      candidates: [{ content: { role: "model", parts: [{ text: out }] }, finishReason: "STOP", index: 0 }],
      ...(usage ? { usageMetadata: { promptTokenCount: usage.input, candidatesTokenCount: usage.output, totalTokenCount: usage.input + usage.output } } : {}),
      modelVersion: /models\/([^:]+)/.exec(req.path)?.[1] ?? "",
    };
  },
  error: (status) => ({ error: { code: status, message: status === 404 ? "not found" : "The model is overloaded.", status: STATUS[status] ?? "INTERNAL" } }),
};

export function startGoogleServer(respond: (req: ProviderRequest) => ProviderBehaviour): Promise<ProviderServer> {
  return startProviderServer(googleRoute, respond);
}
