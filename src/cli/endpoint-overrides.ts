/**
 * `--endpoint NAME.FIELD=VALUE` (repeatable): changes one field of one of the scenario's model
 * endpoints from the command line, e.g. a resume against a server that moved
 * (`hvae run --resume DIR --endpoint local.baseURL=http://10.0.0.5:8000/v1`). Each changed entry is
 * validated by the scenario's own endpoint schema (credentials in a URL, a key pasted as
 * apiKeyEnv, timers too long … are refused the same way), exit 2 naming the flag. Messages never
 * echo a value: it may hold a secret.
 *
 * @example
 * const o = parseEndpointOverrides(["local.baseURL=http://127.0.0.1:9000/v1"]);
 * const endpoints = applyEndpointOverrides(scenario.endpoints, o); // validated
 */
import { InputError } from "../core/errors.ts";
import { Endpoint } from "../scenario/schema.ts";
import { closest } from "../scenario/errors.ts";

/** Per endpoint, the fields given on the command line (values as parsed). */
export type EndpointOverrides = Record<string, Record<string, unknown>>;

const FIELDS = Object.keys(Endpoint.shape);

/** A command-line value as the YAML scalar it would be: a number, true/false, null, else the text. */
function scalar(text: string): unknown {
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  if (text === "null") return null;
  return text;
}

export function parseEndpointOverrides(values: readonly string[] | undefined): EndpointOverrides {
  const out: EndpointOverrides = {};
  for (const v of values ?? []) {
    const eq = v.indexOf("=");
    const dot = v.indexOf(".");
    if (eq < 0 || dot < 0 || dot > eq) throw new InputError(`--endpoint: expected NAME.FIELD=VALUE (e.g. local.baseURL=http://127.0.0.1:8000/v1), got '${v.slice(0, Math.max(0, eq)) || v.slice(0, 40)}…'`);
    const name = v.slice(0, dot);
    const field = v.slice(dot + 1, eq);
    if (!FIELDS.includes(field)) {
      const guess = closest(field, FIELDS);
      throw new InputError(`--endpoint ${name}.${field}: unknown endpoint field${guess ? ` (did you mean '${guess}'?)` : ""}; fields: ${FIELDS.join(", ")}`);
    }
    (out[name] ??= {})[field] = scalar(v.slice(eq + 1));
  }
  return out;
}

/**
 * The endpoints with the overrides applied, each changed entry validated as in a scenario file.
 *
 * @example
 * applyEndpointOverrides({ local: parsedLocal }, { local: { timeoutMs: 5000 } }).local.timeoutMs; // 5000
 */
export function applyEndpointOverrides<E extends Record<string, unknown>>(endpoints: Readonly<Record<string, E>>, overrides: EndpointOverrides): Record<string, E> {
  const out: Record<string, E> = { ...endpoints };
  for (const [name, fields] of Object.entries(overrides)) {
    if (!Object.hasOwn(endpoints, name)) {
      const known = Object.keys(endpoints);
      const guess = closest(name, known);
      throw new InputError(
        `--endpoint ${name}.${Object.keys(fields)[0]}: the scenario has no endpoint '${name}'${guess ? ` (did you mean '${guess}'?)` : ""}` +
          (known.length ? `; its endpoints: ${known.join(", ")}` : "; it names no endpoints"),
      );
    }
    const parsed = Endpoint.safeParse({ ...endpoints[name], ...fields });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.length ? issue.path.join(".") : Object.keys(fields)[0];
      throw new InputError(`--endpoint ${name}.${field}: ${issue.message}`);
    }
    out[name] = parsed.data as unknown as E;
  }
  return out;
}

/** The overrides as the manifest records them: field values, never a key (apiKeyEnv is a variable's name). */
export function describeOverrides(overrides: EndpointOverrides): string[] {
  return Object.entries(overrides).flatMap(([name, fields]) => Object.entries(fields).map(([f, v]) => `${name}.${f}=${String(v)}`));
}
