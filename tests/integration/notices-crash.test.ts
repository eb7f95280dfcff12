// A newsletter interrupted by kill -9 (ADR 18): the front desk's process is killed while it
// sends; run again, the newsletter finishes, and every patient who agreed holds exactly one
// copy at the relay, even those whose copy the relay took just before the kill (the same
// sealed envelope went again, and the relay knew it).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import Database from 'better-sqlite3-multiple-ciphers';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openClientStore } from '../../src/main/network/client-store';
import { type HeadlessClinic, openDevice, startHeadlessClinic } from '../../tools/headless';
import { childEnv } from '../support/child-env';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Inside the repository, so that the worker's imports resolve against node_modules.
const outDir = join(root, 'node_modules', '.cache', `newsletter-worker-${process.pid}`);
const PATIENTS = 120;

let dir: string;
let c: HeadlessClinic;

beforeAll(async () => {
  await build({
    configFile: false,
    logLevel: 'warn',
    root,
    build: { ssr: true, outDir, emptyOutDir: true, minify: false, target: 'node22', rollupOptions: { input: { worker: join(root, 'tests', 'support', 'newsletter-worker.ts') }, output: { format: 'es', entryFileNames: '[name].mjs' } } },
  });
  dir = mkdtempSync(join(tmpdir(), 'cm-notices-crash-'));
  c = await startHeadlessClinic({ dir, relay: { connectionRate: { capacity: 10_000, refillPerSecond: 1000 }, authRate: { capacity: 10_000, refillPerSecond: 1000 } } });
}, 120_000);

afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

/** Newsletter copies the relay holds, per patient (the scope is in the envelope's clear header). */
function copiesAtRelay(): Map<string, number> {
  const db = new Database(join(c.relayDir, 'relay.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[], { patient_id: string; n: number }>(`SELECT patient_id, count(*) AS n FROM messages WHERE envelope_json LIKE '%"scope":"newsletters"%' GROUP BY patient_id`).all();
    return new Map(rows.map((r) => [r.patient_id, r.n]));
  } finally {
    db.close();
  }
}

describe('a newsletter killed with SIGKILL while it sends', () => {
  it('resumes without sending anyone a second copy', { timeout: 180_000 }, async () => {
    const desk = await c.addStaff('desk', 'front-desk');
    for (let i = 0; i < PATIENTS; i++) {
      const patient = await c.addPatient(`p${i}`, `pat-${String(i).padStart(4, '0')}`, desk, ['clinical', 'newsletters']);
      await patient.close();
    }
    const created = await desk.client.notices.createNewsletter('Our winter newsletter: flu shots are here, walk in any weekday morning.');
    expect(created).toMatchObject({ total: PATIENTS, queued: PATIENTS, refused: 0 });
    await desk.client.close();

    const child = spawn(process.execPath, [join(outDir, 'worker.mjs'), c.devicesDir, 'desk', Buffer.from(desk.key).toString('hex'), created.campaignId], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise<string | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    // Kill once the relay holds part of the newsletter, while the rest is in flight.
    const deadline = Date.now() + 60_000;
    let held = 0;
    while (Date.now() < deadline) {
      held = [...copiesAtRelay().values()].reduce((a, b) => a + b, 0);
      if (held >= PATIENTS / 4) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(held, output).toBeGreaterThan(0);
    expect(held).toBeLessThan(PATIENTS);

    // What the killed process had written down: some sent, the rest still to go (sealed or queued).
    const before = openClientStore(desk.file, desk.key);
    const counts = before.notices.counts(created.campaignId);
    before.close();
    expect(counts.sent).toBeLessThan(PATIENTS);
    expect(counts.queued).toBeGreaterThan(0);

    const again = await openDevice(c.devicesDir, 'desk', desk.key);
    const done = await again.client.notices.run(created.campaignId);
    await again.client.close();
    expect(done).toMatchObject({ total: PATIENTS, sent: PATIENTS, refused: 0, queued: 0, finished: true });
    const copies = copiesAtRelay();
    expect(copies.size).toBe(PATIENTS);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
  });
});
