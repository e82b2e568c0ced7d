/**
 * Gateway options for tests: one endpoint named `local` at a test server, no cache, no budget,
 * no keys, and millisecond retry backoff so failure tests run fast.
 *
 * @example
 * const gw = createGateway(testGatewayOptions(server.baseURL, { maxRetries: 1 }));
 */
import type { z } from "zod";
import type { GatewayOptions } from "../../src/models/gateway-types.ts";
import { Endpoint } from "../../src/scenario/schema.ts";

export function testGatewayOptions(
  baseURL: string,
  endpoint: Partial<z.input<typeof Endpoint>> = {},
  over: Partial<GatewayOptions> = {},
  name = "local",
): GatewayOptions {
  return {
    endpoints: { [name]: Endpoint.parse({ baseURL, ...endpoint }) },
    prices: {},
    cachePath: null,
    refreshCache: false,
    maxCostUsd: null,
    env: {},
    retryBaseMs: 5,
    ...over,
  };
}
