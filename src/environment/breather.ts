/**
 * Lets the event loop breathe during CPU-bound runs. Rule-based sessions settle through promises
 * alone, and microtasks never give way to timers, I/O or signal handlers: without a pause a large
 * run would ignore Ctrl-C, freeze the progress display and buffer its whole log in memory until
 * the end. A breather returns a macrotask pause once a time slice is used up, and null otherwise,
 * so the common path costs one clock read.
 *
 * @example
 * const breathe = createBreather(50);
 * const pause = breathe();
 * if (pause) await pause;
 */
export function createBreather(sliceMs: number, now: () => number = performance.now.bind(performance)): () => Promise<void> | null {
  let sliceStart = now();
  let pending: Promise<void> | null = null;
  return () => {
    if (pending) return pending;
    if (now() - sliceStart < sliceMs) return null;
    // Every caller in the same slice shares one pause.
    pending = new Promise<void>((resolve) =>
      setImmediate(() => {
        pending = null;
        sliceStart = now();
        resolve();
      }),
    );
    return pending;
  };
}
