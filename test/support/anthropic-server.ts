/**
 * A local Anthropic Messages API server (`POST /v1/messages`) for tests: structured requests
 * (a forced tool, as LangChain's ChatAnthropic sends for `withStructuredOutput`) are answered with
 * a `tool_use` block whose input is {letter, reason}; text requests with a text block; usage as
 * `input_tokens`/`output_tokens`. Errors have the API's `{type: "error", error: {...}}` shape.
 *
 * @example
 * const server = await startAnthropicServer((req) => ({ kind: "answer", letter: req.labels[0] }));
 * // ANTHROPIC_BASE_URL=server.baseURL (the SDK appends /v1/messages)
 */
import { lineLabels, schemaEnum, startProviderServer, tokens, type ProviderBehaviour, type ProviderRequest, type ProviderRoute, type ProviderServer } from "./provider-server.ts";

type Block = { type?: string; text?: string };
const text = (content: unknown): string =>
  typeof content === "string" ? content : Array.isArray(content) ? (content as Block[]).map((b) => (b.type === "text" ? (b.text ?? "") : "")).join("") : "";

interface Tool {
  name: string;
  input_schema?: unknown;
}

const ERROR_TYPES: Record<number, string> = { 400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error" };

export const anthropicRoute: ProviderRoute = {
  matches: (path) => path === "/v1/messages",
  read(body) {
    const messages = (body.messages as { role: string; content: unknown }[]) ?? [];
    const lastUser = text([...messages].reverse().find((m) => m.role === "user")?.content);
    const prompt = [text(body.system), ...messages.map((m) => text(m.content))].join("\n");
    const tools = (body.tools as Tool[] | undefined) ?? [];
    const choice = body.tool_choice as { type?: string; name?: string } | undefined;
    const tool = choice?.type === "tool" ? tools.find((t) => t.name === choice.name) : undefined;
    return { lastUser, prompt, structured: !!tool, labels: (tool && schemaEnum(tool.input_schema)) ?? lineLabels(lastUser) };
  },
  answer(req, b) {
    const choice = req.body.tool_choice as { name?: string } | undefined;
    const letter = b.letter;
    const content =
      req.structured && letter !== undefined
        ? [{ type: "tool_use", id: `toolu_${req.index}`, name: choice?.name ?? "answer", input: { letter, reason: `Option ${letter} fits me.` } }]
        : [{ type: "text", text: b.content ?? letter ?? "" }];
    const out = JSON.stringify(content);
    const usage = b.usage === null ? undefined : (b.usage ?? { input: tokens(req.prompt), output: tokens(out) });
    return {
      id: `msg_${req.index}`,
      type: "message",
      role: "assistant",
      model: req.body.model,
      content,
      stop_reason: content[0].type === "tool_use" ? "tool_use" : "end_turn",
      stop_sequence: null,
      ...(usage ? { usage: { input_tokens: usage.input, output_tokens: usage.output } } : {}),
    };
  },
  error: (status) => ({ type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message: status === 404 ? "not found" : "Internal server error" } }),
};

export function startAnthropicServer(respond: (req: ProviderRequest) => ProviderBehaviour): Promise<ProviderServer> {
  return startProviderServer(anthropicRoute, respond);
}
