// A test clock pinned to a chosen instant that then moves on with real time, so timers
// (undo-send windows, debounces, timeouts) still fire while every rule that reads the clock
// sees the pinned day and hour, whatever the machine's date, hour and time zone.

/** Named instants in America/Toronto used across the suite (the tests' clinic zone). */
export const instants = {
  /** Wednesday 2 December 2026, 10:00 in Toronto: the clinic is open. */
  weekdayOpen: '2026-12-02T10:00:00-05:00',
  /** The same Wednesday, 19:30: the clinic has closed (08:30–17:00). */
  weekdayClosed: '2026-12-02T19:30:00-05:00',
  /** Saturday 5 December 2026, 22:00 (the instant CI once ran at and failed). */
  saturdayNight: '2026-12-05T22:00:00-05:00',
  /** Friday 25 December 2026, 11:00: a holiday when the rules list it. */
  holiday: '2026-12-25T11:00:00-05:00',
  /** Sunday 8 March 2026, 01:30 EST: thirty minutes before clocks spring forward. */
  springForwardNight: '2026-03-08T01:30:00-05:00',
  /** Sunday 1 November 2026, 01:30 EDT: the first of the two 01:30s of the fall-back night. */
  fallBackNight: '2026-11-01T01:30:00-04:00',
} as const;

export type Clock = (() => number) & {
  /** Moves the clock forward (or back) without waiting. */
  advance(ms: number): void;
  /** Jumps to another instant; the clock goes on ticking from there. */
  set(iso: string): void;
};

export function instant(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${iso}`);
  return ms;
}

export function pinnedClock(iso: string = instants.weekdayOpen): Clock {
  let base = instant(iso);
  let started = performance.now();
  const clock = (() => base + Math.floor(performance.now() - started)) as Clock;
  clock.advance = (ms: number) => {
    base += ms;
  };
  clock.set = (next: string) => {
    base = instant(next);
    started = performance.now();
  };
  return clock;
}
