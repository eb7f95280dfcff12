// The push that arrives while a sync is finishing. A receiver syncs on each push; after it has
// fetched past its cursor it still flushes its outbox (the "delivered" receipt for what it
// just received). A push for a newer message that lands in that window must cause another
// fetch: before the fix it joined the pass that was ending, and the message waited for the
// next poll (the network benchmark counted these as missed pushes). Each test holds the
// receiver exactly in that window with a gate, so the race happens every time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { type HeadlessClinic, startHeadlessClinic } from '../../tools/headless';
import { gate } from '../support/gate';

const dirs: string[] = [];
const clinics: HeadlessClinic[] = [];
afterEach(async () => {
  await Promise.all(clinics.splice(0).map((c) => c.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function clinic(): Promise<HeadlessClinic> {
  const dir = mkdtempSync(join(tmpdir(), 'cm-race-'));
  dirs.push(dir);
  const c = await startHeadlessClinic({ dir });
  clinics.push(c);
  return c;
}

/** Waits for a condition that an event (a push over the socket) will make true. */
async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A promise that an event settles, or a clear failure naming what never happened. */
async function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

type Runner<T> = (() => Promise<T>) & { readonly running: Promise<T> | null };

/**
 * Replaces a client's coalesced runner (sync or flush) on the instance: `onCall` sees every
 * call and the promise it got; `hold` delays the first pass until the gate opens.
 */
function intercept<T>(target: object, name: string, options: { onCall?: (p: Promise<T>) => void; hold?: Promise<void>; entered?: () => void }): void {
  const original = (target as Record<string, Runner<T>>)[name] as Runner<T>;
  let held = false;
  const replacement = (() => {
    if (options.hold && !held) {
      held = true;
      options.entered?.();
      const hold = options.hold;
      const p = hold.then(() => original());
      options.onCall?.(p);
      return p;
    }
    const p = original();
    options.onCall?.(p);
    return p;
  }) as Runner<T>;
  Object.defineProperty(replacement, 'running', { get: () => original.running });
  Object.defineProperty(target, name, { value: replacement, configurable: true });
}

describe('a push during the tail of a sync', () => {
  it('is not missed by a clinician device (desktop client)', async () => {
    const c = await clinic();
    const desk = await c.addStaff('desk', 'front-desk');
    const dr = await c.addStaff('dr', 'clinician');
    const patient = await c.addPatient('patient', 'pat-race', desk);
    await dr.client.sync(); // connected: pushes now reach it

    const entered = gate();
    const release = gate();
    // The first outbox flush the clinician's sync starts (the "delivered" receipt) waits.
    intercept(dr.client.outbox, 'flush', { hold: release.promise, entered: entered.open });
    const pushed: Promise<number>[] = [];
    intercept<number>(dr.client.receiver, 'sync', { onCall: (p) => pushed.push(p) });

    await patient.send('first');
    // The clinician fetches "first" on its push and is flushing the receipt for it.
    await within(entered.promise, 'the fetch of the first message after its push');
    const second = await patient.send('second');
    await until('the push for the second message', () => pushed.length >= 2);
    release.open();
    // What the push started must bring the second message, with no other sync asked for.
    await within(pushed[1] ?? Promise.reject(new Error('no second sync')), 'the sync the second push started');
    expect(dr.client.messages('pat-race').map((m) => m.body)).toEqual(['first', 'second']);
    expect(dr.client.message(second.messageId)?.state).toBe('received');
  });

  it('is not missed by the patient portal', async () => {
    const c = await clinic();
    const dr = await c.addStaff('dr', 'clinician');
    const portal = (await c.addPatient('patient', 'pat-portal', c.admin)).client;
    await until('the portal online', () => portal.snapshot().connection === 'online' && (portal.snapshot().directory?.epoch ?? null) !== null);
    await portal.settled();
    await dr.client.verifiedDirectory(true);

    const entered = gate();
    const release = gate();
    intercept(portal, 'flush', { hold: release.promise, entered: entered.open });
    const pushed: Promise<unknown>[] = [];
    intercept<unknown>(portal, 'sync', { onCall: (p) => pushed.push(p) });

    await dr.client.send({ patientId: 'pat-portal', body: 'first' });
    await within(entered.promise, 'the fetch of the first message after its push');
    await dr.client.send({ patientId: 'pat-portal', body: 'second' });
    await until('the push for the second message', () => pushed.length >= 2);
    release.open();
    await within(pushed[1] ?? Promise.reject(new Error('no second sync')), 'the sync the second push started');
    expect(portal.snapshot().messages.map((m) => m.body)).toEqual(['first', 'second']);
  });

  it('is not sent to the sender for its own message, while the other readers get it', async () => {
    const c = await clinic();
    const desk = await c.addStaff('desk', 'front-desk');
    const drA = await c.addStaff('dr-a', 'clinician');
    const drB = await c.addStaff('dr-b', 'clinician');
    const patient = await c.addPatient('patient', 'pat-own', desk);
    await patient.close(); // offline: no "delivered" receipt comes back to the sender
    await drA.client.sync();
    await drB.client.sync();
    const aSyncs: Promise<number>[] = [];
    const bSyncs: Promise<number>[] = [];
    intercept<number>(drA.client.receiver, 'sync', { onCall: (p) => aSyncs.push(p) });
    intercept<number>(drB.client.receiver, 'sync', { onCall: (p) => bSyncs.push(p) });
    await drA.client.send({ patientId: 'pat-own', body: 'Your results are normal.' });
    await until('the hint at the other clinician', () => bSyncs.length >= 1);
    await Promise.all(bSyncs);
    // Both hints leave the relay in the same loop; give the sender's socket time to deliver one.
    await new Promise((r) => setTimeout(r, 150));
    expect(aSyncs).toHaveLength(0);
    expect(drB.client.messages('pat-own').map((m) => m.body)).toEqual(['Your results are normal.']);
  });
});

