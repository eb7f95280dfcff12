// kill -9 of the relay process while a patient writes: the built relay command runs as a
// child process on a fixed port with its own data folder, is killed with SIGKILL three
// times at random moments and started again on the same port and folder. Nothing the
// patient wrote may be lost or duplicated, and the per-conversation seq stays 1..n.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type PortalMessage } from '../../src/portal/client/patient-client';
import { type HeadlessDevice, HeadlessPatient, openDevice } from '../../tools/headless';
import { childEnv } from '../support/child-env';

const root = resolve(import.meta.dirname, '../..');
// Built into a folder of its own (under out/, so its packages resolve from node_modules):
// `npm run relay` empties out/cli, which other tests rebuild concurrently.
const outDir = join(root, 'out', `relay-crash-test-${process.pid}`);
const work = mkdtempSync(join(tmpdir(), 'cm-relay-crash-'));
const relayDir = join(work, 'relay');
const devicesDir = join(work, 'devices');
const children = new Set<ChildProcess>();
const devices: HeadlessDevice[] = [];
const patients: HeadlessPatient[] = [];

beforeAll(async () => {
  await build({
    configFile: false,
    logLevel: 'warn',
    root,
    build: {
      ssr: true,
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'node22',
      rollupOptions: { input: { relay: join(root, 'src', 'relay', 'main.ts') }, output: { format: 'es', entryFileNames: '[name].mjs' } },
    },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([...devices.map((d) => d.client.close().catch(() => undefined)), ...patients.map((p) => p.close().catch(() => undefined))]);
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type RelayProcess = { child: ChildProcess; stderr: () => string };

/** Starts the relay command and waits until /healthz answers. */
async function startRelayProcess(port: number): Promise<RelayProcess> {
  const child = spawn(process.execPath, [join(outDir, 'relay.mjs'), '--port', String(port), '--data-dir', relayDir], { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`relay exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`relay did not start: ${stderr}`);
    await sleep(25);
  }
  return { child, stderr: () => stderr };
}

async function kill9(relay: RelayProcess): Promise<void> {
  if (relay.child.exitCode !== null || relay.child.signalCode !== null) return;
  const exited = new Promise((r) => relay.child.once('exit', r));
  relay.child.kill('SIGKILL');
  await exited;
}

async function device(name: string): Promise<HeadlessDevice> {
  const d = await openDevice(devicesDir, name);
  devices.push(d);
  return d;
}

describe('relay killed with SIGKILL while a patient writes', () => {
  it('loses nothing, duplicates nothing, and keeps seq 1..n', async () => {
    const port = await freePort();
    const relayUrl = `http://127.0.0.1:${port}`;
    let relay = await startRelayProcess(port);
    const setupToken = /setup token[^\n]*\n\s*(\S+)/.exec(relay.stderr())?.[1];
    expect(setupToken, relay.stderr()).toBeTruthy();

    // The clinic: an IT admin with the root, a clinician, an enrolled patient.
    const admin = await device('admin');
    await admin.client.setUpClinic({ relayUrl, setupToken: setupToken!, clinicName: 'Crash Test Clinic', staffId: 'staff-admin' });
    const clinician = await device('clinician');
    await clinician.client.redeemInvite({ relayUrl, code: await admin.client.createInvite({ staffId: 'staff-dr', displayName: 'Dr Crash', role: 'clinician' }) });
    expect(await admin.client.approvePendingDevices()).toHaveLength(1);
    expect(await clinician.client.completeJoin()).toBe(true);
    const { code } = await admin.client.enrollPatient({ patientId: 'pat-1', scopes: ['clinical'] });
    const patient = await HeadlessPatient.enroll({ name: 'patient', dir: devicesDir, relayUrl, code });
    patients.push(patient);
    await Promise.all([admin.client.disconnect(), clinician.client.disconnect()]);

    // The patient writes in a loop; three times, at a random moment, the relay is killed and restarted.
    const written: PortalMessage[] = [];
    const acknowledged = new Set<string>();
    let writing = true;
    let kills = 0;
    const writer = (async () => {
      for (let i = 0; writing || i < 10; i++) {
        const result = await patient.send(`crash test message ${i}`);
        written.push(result);
        if (result.state === 'sent') acknowledged.add(result.messageId);
        await sleep(Math.random() * 5);
      }
    })();
    for (let k = 0; k < 3; k++) {
      await sleep(300 + Math.random() * 700);
      await kill9(relay);
      kills += 1;
      await sleep(Math.random() * 300); // down for a moment: messages queue
      relay = await startRelayProcess(port);
      expect(relay.stderr()).not.toMatch(/setup token/i);
    }
    await sleep(300);
    writing = false;
    await writer;
    expect(kills).toBe(3);
    // Queued messages wait for their backoff; flush until the outbox is empty.
    const deadline = Date.now() + 15_000;
    while (patient.outboxSize() > 0) {
      if (Date.now() > deadline) throw new Error(`outbox still holds ${patient.outboxSize()} items`);
      await patient.flushOutbox().catch(() => undefined);
      await sleep(100);
    }

    const ids = written.map((m) => m.messageId);
    const bodies = written.map((m) => m.body);
    expect(new Set(ids).size).toBe(ids.length);
    expect(written.length).toBeGreaterThan(20);
    // Some messages were written while the relay was down, so the test exercised the queue.
    expect(written.some((m) => m.state === 'queued')).toBe(true);
    // On the patient's own device every message ended up acknowledged.
    const own = patient.messages();
    expect(own.map((m) => m.messageId).sort()).toEqual([...ids].sort());
    expect(own.every((m) => m.state !== 'queued' && m.state !== 'failed' && m.seq !== null)).toBe(true);

    // The clinician's side: every message exactly once, by id and by body, seq exactly 1..n.
    await clinician.client.sync();
    const received = clinician.client.messages('pat-1');
    const receivedIds = received.map((m) => m.messageId);
    expect(new Set(receivedIds).size).toBe(receivedIds.length);
    expect([...receivedIds].sort()).toEqual([...ids].sort());
    expect(received.map((m) => m.body).sort()).toEqual([...bodies].sort());
    const seqs = received.map((m) => m.seq).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(seqs).toEqual(received.map((_, i) => i + 1));
    for (const id of acknowledged) expect(receivedIds).toContain(id);
    // The seq the relay acknowledged to the patient is the one the clinician sees.
    const seqById = new Map(received.map((m) => [m.messageId, m.seq]));
    for (const m of own) expect(seqById.get(m.messageId)).toBe(m.seq);
    // One device's messages keep the order they were written in.
    const bySeq = [...received].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0)).map((m) => m.messageId);
    expect(bySeq).toEqual(ids);

    await kill9(relay);
  }, 45_000);
});
