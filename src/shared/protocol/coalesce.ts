// Runs anywhere: one task at a time, run again when asked while it runs. A client syncs on
// every push from the relay and flushes its outbox on every new item; a request that arrives
// while a pass is already under way may come after the pass read what it needed (the cursor,
// the due items), so it must cause one more pass, not join the one that is ending. Callers
// get a promise that settles only after a pass that started after their request.

export type Coalesced<T> = {
  /** Runs the task now, or once more after the pass under way. */
  (): Promise<T>;
  /** The pass under way, if any (to wait for it without asking for another). */
  readonly running: Promise<T> | null;
};

export type CoalesceOptions<T> = {
  /** Folds the results of the passes one call waited for (default: the last one). */
  readonly combine?: (earlier: T, later: T) => T;
  /** Checked before each further pass: false ends the loop (for example: offline). */
  readonly worthAnother?: () => boolean;
};

export function coalesce<T>(task: () => Promise<T>, options: CoalesceOptions<T> = {}): Coalesced<T> {
  let running: Promise<T> | null = null;
  let again = false;
  const run = (() => {
    if (running) {
      again = true;
      return running;
    }
    const pass = (async () => {
      try {
        again = false;
        let result: T = await task();
        while (again && (options.worthAnother?.() ?? true)) {
          again = false;
          const next: T = await task();
          result = options.combine ? options.combine(result, next) : next;
        }
        return result;
      } finally {
        running = null;
      }
    })();
    running = pass;
    return pass;
  }) as Coalesced<T>;
  Object.defineProperty(run, 'running', { get: () => running });
  return run;
}
