import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createThrottle, delayAfter } from './unlock-throttle';

const dir = mkdtempSync(join(tmpdir(), 'throttle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('unlock throttle', () => {
  it('grows the delay after three free tries, and caps it', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(delayAfter)).toEqual([0, 0, 0, 10, 30, 60, 120, 300, 300]);
  });

  it('keeps the count across a restart and lets time run out', () => {
    let now = 1_000_000;
    const file = join(dir, 'a.json');
    const first = createThrottle(file, () => now);
    for (let i = 0; i < 3; i++) expect(first.recordFailure().waitSeconds).toBe(0);
    expect(first.recordFailure()).toEqual({ failures: 4, waitSeconds: 10 });
    // A new process reads the same file.
    const second = createThrottle(file, () => now);
    expect(second.waitSeconds()).toBe(10);
    now += 9_000;
    expect(second.waitSeconds()).toBe(1);
    now += 1_000;
    expect(second.waitSeconds()).toBe(0);
    second.reset();
    expect(createThrottle(file, () => now).failures()).toBe(0);
  });

  it('assumes the worst when the counter file is damaged', () => {
    const file = join(dir, 'b.json');
    writeFileSync(file, 'garbage');
    expect(createThrottle(file, () => 5_000_000).waitSeconds()).toBe(300);
  });
});
