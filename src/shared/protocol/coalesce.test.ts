import { describe, expect, it } from 'vitest';

import { coalesce } from './coalesce';
import { gate } from '../../../tests/support/gate';

describe('coalesce', () => {
  it('runs once for a single request and gives its result', async () => {
    let passes = 0;
    const run = coalesce(async () => ++passes);
    expect(await run()).toBe(1);
    expect(run.running).toBeNull();
  });

  it('runs once more when asked during the tail of a pass (the push that came after the fetch)', async () => {
    // The pass has fetched (cursor read) and is finishing its work (the outbox flush) when a
    // push arrives: that push must lead to another fetch, or its item waits for the next poll.
    const fetched: number[] = [];
    let relayHead = 1;
    const tail = gate();
    let pass = 0;
    const run = coalesce(async () => {
      pass += 1;
      fetched.push(relayHead);
      if (pass === 1) await tail.promise;
      return 1;
    });
    const first = run();
    await Promise.resolve();
    relayHead = 2; // a new item is stored at the relay…
    const second = run(); // …and its push arrives while pass 1 is in its tail
    expect(second).toBe(first);
    tail.open();
    await second;
    expect(fetched).toEqual([1, 2]);
  });

  it('folds the passes of one call with combine, and several requests in one pass into one more pass', async () => {
    const hold = gate();
    let pass = 0;
    const run = coalesce(
      async () => {
        pass += 1;
        if (pass === 1) await hold.promise;
        return 10 * pass;
      },
      { combine: (a, b) => a + b },
    );
    const first = run();
    void run();
    void run();
    hold.open();
    expect(await first).toBe(10 + 20);
    expect(pass).toBe(2);
  });

  it('stops asking for more passes when they are no longer worth it, and recovers after a failure', async () => {
    const hold = gate();
    let online = true;
    let pass = 0;
    const run = coalesce(
      async () => {
        pass += 1;
        if (pass === 1) await hold.promise;
        if (pass === 3) throw new Error('socket closed');
        return pass;
      },
      { worthAnother: () => online },
    );
    const first = run();
    void run();
    online = false;
    hold.open();
    expect(await first).toBe(1);
    online = true;
    expect(await run()).toBe(2);
    await expect(run()).rejects.toThrow('socket closed');
    expect(run.running).toBeNull();
    expect(await run()).toBe(4);
  });
});
