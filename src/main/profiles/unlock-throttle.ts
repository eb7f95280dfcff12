import { existsSync, readFileSync } from 'node:fs';

import { z } from 'zod';

import { writeFileAtomic } from '../services/atomic-file';

/**
 * Failed unlocks slow down the next try, and the count survives a restart (it is kept in
 * the profile folder). Three free tries, then 10 s, 30 s, 1 min, 2 min and 5 min at most.
 * It only slows a person at the keyboard: against someone holding a copy of the files,
 * Argon2id is the protection.
 */
const delaysSeconds = [0, 0, 0, 10, 30, 60, 120, 300] as const;

export function delayAfter(failures: number): number {
  if (failures <= 0) return 0;
  return delaysSeconds[Math.min(failures, delaysSeconds.length) - 1] ?? 300;
}

const State = z.object({ failures: z.number().int().min(0), lastFailureAt: z.number().int().min(0) }).strict();
type State = z.infer<typeof State>;

export type Throttle = {
  /** Seconds to wait before the next try is allowed; 0 when it is allowed now. */
  waitSeconds(): number;
  failures(): number;
  recordFailure(): { failures: number; waitSeconds: number };
  reset(): void;
};

export function createThrottle(file: string, now: () => number = Date.now): Throttle {
  const read = (): State => {
    if (!existsSync(file)) return { failures: 0, lastFailureAt: 0 };
    try {
      return State.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      // A damaged counter must not unlock more tries than an intact one: assume the worst.
      return { failures: delaysSeconds.length, lastFailureAt: now() };
    }
  };
  const waitFor = (state: State) => Math.max(0, Math.ceil((state.lastFailureAt + delayAfter(state.failures) * 1000 - now()) / 1000));
  return {
    waitSeconds: () => waitFor(read()),
    failures: () => read().failures,
    recordFailure() {
      const state = { failures: read().failures + 1, lastFailureAt: now() };
      writeFileAtomic(file, JSON.stringify(state));
      return { failures: state.failures, waitSeconds: waitFor(state) };
    },
    reset() {
      if (read().failures > 0) writeFileAtomic(file, JSON.stringify({ failures: 0, lastFailureAt: 0 }));
    },
  };
}
