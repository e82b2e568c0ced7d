/**
 * Per-endpoint admission: at most `maxConcurrency` requests in flight, at most
 * `requestsPerMinute` started in any 60 s window and at most `tokensPerMinute` tokens (estimated
 * at admission, corrected from the response's usage) in any 60 s window. Waiters are served in
 * arrival order.
 *
 * @example
 * const limiter = createLimiter({ maxConcurrency: 8, requestsPerMinute: 500, tokensPerMinute: null });
 * const permit = await limiter.acquire(1200);
 * try { … } finally { permit.release(actualTokens); }
 */
export interface LimiterSettings {
  maxConcurrency: number;
  requestsPerMinute: number | null;
  tokensPerMinute: number | null;
}

export interface Permit {
  /** Frees the slot; `tokens` replaces the admission estimate (omit to keep it). */
  release(tokens?: number): void;
}

export interface Limiter {
  acquire(estimatedTokens: number): Promise<Permit>;
  /** Requests currently holding a permit. */
  inFlight(): number;
}

const WINDOW_MS = 60_000;

export function createLimiter(settings: LimiterSettings, now: () => number = Date.now): Limiter {
  let active = 0;
  const slotWaiters: (() => void)[] = [];
  const starts: number[] = [];
  const spent: { at: number; tokens: number }[] = [];
  // Admission is serialised so the rate windows are checked and updated atomically, in order.
  let gate: Promise<void> = Promise.resolve();

  const prune = (t: number) => {
    while (starts.length && starts[0] <= t - WINDOW_MS) starts.shift();
    while (spent.length && spent[0].at <= t - WINDOW_MS) spent.shift();
  };

  async function slot(): Promise<void> {
    if (active < settings.maxConcurrency) {
      active++;
      return;
    }
    await new Promise<void>((resolve) => slotWaiters.push(resolve));
  }

  function freeSlot() {
    const next = slotWaiters.shift();
    if (next) next();
    else active--;
  }

  async function rateWait(estimate: number): Promise<{ at: number; tokens: number }> {
    for (;;) {
      const t = now();
      prune(t);
      let wait = 0;
      if (settings.requestsPerMinute !== null && starts.length >= settings.requestsPerMinute)
        wait = Math.max(wait, starts[0] + WINDOW_MS - t);
      if (settings.tokensPerMinute !== null && spent.length > 0) {
        const used = spent.reduce((s, e) => s + e.tokens, 0);
        if (used + estimate > settings.tokensPerMinute) wait = Math.max(wait, spent[0].at + WINDOW_MS - t);
      }
      if (wait <= 0) {
        starts.push(t);
        const entry = { at: t, tokens: estimate };
        spent.push(entry);
        return entry;
      }
      await new Promise((r) => setTimeout(r, wait + 1));
    }
  }

  return {
    inFlight: () => active,
    acquire(estimatedTokens) {
      const admitted = gate.then(async () => {
        await slot();
        return rateWait(estimatedTokens);
      });
      gate = admitted.then(
        () => undefined,
        () => undefined,
      );
      return admitted.then((entry) => {
        let released = false;
        return {
          release(tokens) {
            if (released) return;
            released = true;
            if (tokens !== undefined) entry.tokens = tokens;
            freeSlot();
          },
        };
      });
    },
  };
}
