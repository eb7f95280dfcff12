// Attachments end to end on loopback (ADR 19): a patient's photo from the portal's client
// code to the clinician's decrypted bytes, and a clinic PDF the other way; the relay holds
// only ciphertext; main and the relay each refuse what the rules or the consent do not allow;
// only who may read a conversation gets its chunks; a chunk changed at the relay is refused
// on open while the message still shows.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3-multiple-ciphers';
import sodium from 'libsodium-wrappers-sumo';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ClientError } from '../../src/main/network/clinic-client';
import { RelayError } from '../../src/main/network/relay-connection';
import { PortalError } from '../../src/portal/client/portal-types';
import { ATTACHMENT_CHUNK_BYTES, sealAll } from '../../src/shared/protocol/attachments';
import { toBase64 } from '../../src/shared/protocol/encoding';
import { type HeadlessClinic, type HeadlessDevice, startHeadlessClinic } from '../../tools/headless';
import { fakeJpeg, memoryFile, tinyPdf } from '../support/files';
import { rawLogin } from '../support/raw-relay';

const dirs: string[] = [];
const clinics: HeadlessClinic[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => {
  await sodium.ready;
});
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await Promise.all(clinics.splice(0).map((c) => c.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function clinic(patientAttachments = true) {
  const dir = mkdtempSync(join(tmpdir(), 'cm-attach-'));
  dirs.push(dir);
  const c = await startHeadlessClinic({ dir });
  clinics.push(c);
  const rules = (await c.admin.client.verifiedDirectory(true)).rules;
  if (!rules) throw new Error('no rules');
  if (patientAttachments) await c.admin.client.publishPolicy({ ...rules, security: { ...rules.security, patientAttachments: true } });
  const desk = await c.addStaff('desk', 'front-desk');
  const dr = await c.addStaff('dr', 'clinician');
  return { c, desk, dr };
}

const rejects = async <E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E, code: string): Promise<E> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as { code: string }).code).toBe(code);
  return error as E;
};

/** Syncs the clinician and waits for the files to be fetched and checked. */
async function received(dr: HeadlessDevice) {
  await dr.client.sync();
  await dr.client.attachments.fetchPending();
}

const contains = (file: string, needle: Uint8Array): boolean => Buffer.from(readFileSync(file)).includes(Buffer.from(needle));

describe('attachments', () => {
  it('a patient’s photo reaches the clinician whole, and a clinic PDF reaches the patient; the relay holds only ciphertext', async () => {
    const { c, desk, dr } = await clinic();
    const ana = await c.addPatient('ana', 'pat-ana', desk, ['clinical', 'attachments']);
    await ana.verifiedDirectory();
    expect(ana.client.attachments().allowed).toBe(true);

    const sample = 'rash-photo-sample-0001';
    const photo = fakeJpeg(3 * ATTACHMENT_CHUNK_BYTES + 1234, sample);
    const progress: number[] = [];
    const sent = await ana.client.send('Here is the rash on my arm.', { files: [memoryFile('IMG_0042.jpeg', 'image/jpeg', photo)], onProgress: (done) => progress.push(done) });
    await ana.client.flush();
    expect(progress.at(-1)).toBe(photo.length);
    expect(sent.attachments?.[0]).toMatchObject({ name: 'IMG_0042.jpeg', type: 'image/jpeg', size: photo.length, chunks: 4 });

    await received(dr);
    const [message] = dr.client.messages('pat-ana');
    expect(message?.body).toBe('Here is the rash on my arm.');
    const held = dr.client.local.attachments.ofMessage(message?.messageId as string);
    expect(held).toHaveLength(1);
    expect(held[0]?.state).toBe('ready');
    expect(dr.client.attachments.open(held[0]?.blobId as string).bytes).toEqual(photo);

    // The clinic sends instructions back.
    const pdfLine = 'wound-care-instructions-0001';
    const staged = await dr.client.attachments.stage({ patientId: 'pat-ana', name: '../../Wound care.pdf', bytes: tinyPdf(pdfLine), alreadyStaged: 0 });
    expect(staged).toMatchObject({ name: 'Wound care.pdf', type: 'application/pdf' });
    await dr.client.send({ patientId: 'pat-ana', body: 'Instructions attached.', attachments: [staged.blobId] });
    await ana.sync();
    const reply = ana.messages().find((m) => m.body === 'Instructions attached.');
    expect(reply?.attachments?.[0]?.name).toBe('Wound care.pdf');
    const opened = await ana.client.openAttachment(reply?.messageId as string, staged.blobId);
    expect(new TextDecoder().decode(Buffer.concat(opened.parts))).toContain(pdfLine);

    // Neither sample is in the relay's data, nor in the clinician's profile store.
    await c.relay.close();
    for (const file of [join(c.relayDir, 'relay.db'), join(c.relayDir, 'relay.db-wal')]) {
      try {
        expect(contains(file, new TextEncoder().encode(sample))).toBe(false);
        expect(contains(file, new TextEncoder().encode(pdfLine))).toBe(false);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    expect(contains(dr.file, new TextEncoder().encode(sample))).toBe(false);
    // The clinician's copy is kept as sealed chunks beside the store, never in the clear.
    const kept = readdirSync(`${dr.file}.files`);
    expect(kept.length).toBeGreaterThan(0);
    for (const name of kept) expect(contains(join(`${dr.file}.files`, name), new TextEncoder().encode(sample))).toBe(false);
  });

  it('main and the relay each refuse what the rules or the consent do not allow', async () => {
    const { c, desk, dr } = await clinic(false);
    const ana = await c.addPatient('ana', 'pat-ana', desk, ['clinical', 'attachments']);
    await ana.verifiedDirectory();
    // The clinic's rules do not accept files from patients: the portal refuses…
    expect(ana.client.attachments().allowed).toBe(false);
    await rejects(ana.client.send('photo', { files: [memoryFile('a.jpg', 'image/jpeg', fakeJpeg(1000, 'not-accepted-sample'))] }), PortalError, 'file');
    expect(ana.messages()).toHaveLength(0);
    // …and the relay refuses a chunk sent past it.
    const raw = await rawLogin(c.relay.url, ana);
    cleanups.push(() => raw.connection.close());
    const { chunks } = sealAll(sodium, `b${'A'.repeat(24)}`, fakeJpeg(1000, 'by-hand-sample-0001'), 'a.jpg', 'image/jpeg');
    const put = { blobId: `b${'A'.repeat(24)}`, patientId: 'pat-ana', index: 0, chunk: toBase64(chunks[0] as Uint8Array), last: true };
    await rejects(raw.connection.request('blob.put', put), RelayError, 'forbidden');

    // With the rules on, a patient who did not agree to attachments is refused at the relay.
    const rules = (await c.admin.client.verifiedDirectory(true)).rules!;
    await c.admin.client.publishPolicy({ ...rules, security: { ...rules.security, patientAttachments: true } });
    const ben = await c.addPatient('ben', 'pat-ben', desk, ['clinical']);
    await ben.verifiedDirectory();
    expect(ben.client.attachments().allowed).toBe(false);
    const benRaw = await rawLogin(c.relay.url, ben);
    cleanups.push(() => benRaw.connection.close());
    await rejects(benRaw.connection.request('blob.put', { ...put, patientId: 'pat-ben' }), RelayError, 'no-consent');
    // Nobody writes into another patient's conversation.
    await rejects(benRaw.connection.request('blob.put', put), RelayError, 'wrong-patient');

    // Main checks the file itself: its type from its bytes, its size, that it is not empty.
    const bad = (bytes: Uint8Array, alreadyStaged = 0) => dr.client.attachments.stage({ patientId: 'pat-ana', name: 'x.pdf', bytes, alreadyStaged });
    expect((await rejects(bad(new TextEncoder().encode('<html><script>alert(1)</script>')), ClientError, 'file')).message).toBe('wrong-type');
    expect((await rejects(bad(new Uint8Array(0)), ClientError, 'file')).message).toBe('empty');
    expect((await rejects(bad(fakeJpeg(10 * 1024 * 1024 + 1, 'too-big-sample-0001')), ClientError, 'file')).message).toBe('too-big');
    expect((await rejects(bad(tinyPdf('fourth'), 3), ClientError, 'file')).message).toBe('too-many');
    // The conversation is as it was.
    expect(dr.client.messages('pat-ana')).toHaveLength(0);
  });

  it('only who may read the conversation gets the chunks, and a chunk changed at the relay is refused on open', async () => {
    const { c, desk, dr } = await clinic();
    const ana = await c.addPatient('ana', 'pat-ana', desk, ['clinical', 'attachments']);
    const ben = await c.addPatient('ben', 'pat-ben', desk, ['clinical', 'attachments']);
    await ana.verifiedDirectory();
    // The clinician is offline, so nothing is fetched before the change below.
    await dr.client.disconnect();
    const sent = await ana.client.send('', { files: [memoryFile('wound.jpg', 'image/jpeg', fakeJpeg(2 * ATTACHMENT_CHUNK_BYTES, 'wound-sample-00001'))] });
    await ana.client.flush();
    const blobId = sent.attachments?.[0]?.blobId as string;

    for (const who of [ben, desk]) {
      const raw = await rawLogin(c.relay.url, who);
      cleanups.push(() => raw.connection.close());
      const error = await raw.connection.request('blob.get', { blobId, index: 0 }).then(
        () => null,
        (e: unknown) => e as RelayError,
      );
      expect(['not-found', 'forbidden']).toContain(error?.code);
    }

    // Someone with access to the relay's disk changes one byte of the second chunk.
    const db = new Database(join(c.relayDir, 'relay.db'));
    const row = db.prepare('SELECT bytes FROM blob_chunks WHERE blob_id = ? AND idx = 1').get(blobId) as { bytes: Buffer };
    const changed = Buffer.from(row.bytes);
    changed[40] = (changed[40] as number) ^ 1;
    expect(db.prepare('UPDATE blob_chunks SET bytes = ? WHERE blob_id = ? AND idx = 1').run(changed, blobId).changes).toBe(1);
    db.close();

    await received(dr);
    const [message] = dr.client.messages('pat-ana');
    expect(message).toBeDefined();
    const held = dr.client.local.attachments.ofMessage(message?.messageId as string);
    expect(held[0]?.state).toBe('unverified');
    expect(() => dr.client.attachments.open(blobId)).toThrow('The attachment could not be verified.');
  });
});
