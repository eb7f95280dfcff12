// Nothing identifying in plaintext on disk: every byte of every file of a profile (the profile
// database, the device store that holds the messages, their WALs and shared memory, blobs) is searched for distinctive samples, both while the database is
// open with an unfolded WAL and after a clean close.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { randomBytes } from '../../src/main/crypto/sodium';
import { openClientStore } from '../../src/main/network/client-store';
import { createBlobStore } from '../../src/main/storage/blob-store';
import { openProfileDatabase } from '../../src/main/storage/profile-database';
import { createProfileRepository } from '../../src/main/storage/repository';

// Each at least 8 bytes long, so none turns up by chance in a few MB of ciphertext.
const samples = [
  'Brûlé-Tremblay',
  'Tremblay',
  'Zoë Brûlé-Tremblay',
  'QUOKKA7731',
  'métoprolol',
  'ordonnance-Ωμέγα-患者',
  '+1 514 555 0199',
  '1984-02-29',
];

const root = mkdtempSync(join(tmpdir(), 'no-plaintext-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** Every (file, sample, encoding) where the sample's bytes appear. */
function plaintextFound(dir: string): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const sample of samples) {
      for (const encoding of ['utf8', 'utf16le'] as const) {
        if (bytes.includes(Buffer.from(sample, encoding))) found.push(`${file.slice(dir.length)}: ${sample} (${encoding})`);
      }
    }
  }
  return found;
}

describe('no plaintext on disk', () => {
  it('the scan itself finds a planted sample in either encoding (control)', () => {
    const dir = join(root, 'control');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.bin'), Buffer.concat([randomBytes(1000), Buffer.from('xx Zoë Brûlé-Tremblay xx', 'utf16le')]));
    writeFileSync(join(dir, 'b.bin'), Buffer.from('prefix métoprolol suffix', 'utf8'));
    expect(plaintextFound(dir)).toEqual(
      expect.arrayContaining(['/a.bin: Brûlé-Tremblay (utf16le)', '/a.bin: Zoë Brûlé-Tremblay (utf16le)', '/b.bin: métoprolol (utf8)']),
    );
  });

  it('holds for the database, its WAL and shared memory, and the blobs, open and closed', async () => {
    const profileDir = join(root, 'profile');
    const key = randomBytes(32);
    const profile = openProfileDatabase(join(profileDir, 'data', 'profile.db'), key);
    const repo = await createProfileRepository(profile);
    const blobs = await createBlobStore(join(profileDir, 'blobs'), randomBytes(32));

    repo.insertPatients([
      {
        id: 'p1',
        givenName: 'Zoë',
        familyName: 'Brûlé-Tremblay',
        dateOfBirth: '1984-02-29',
        contact: { phone: '+1 514 555 0199', note: 'QUOKKA7731' },
        substituteDecisionMaker: { name: 'Zoë Brûlé-Tremblay (mère)' },
        createdAt: 1,
      },
    ]);
    // Messages and conversation summaries live in the device store next to the profile database.
    const store = openClientStore(join(profileDir, 'data', 'network.db'), randomBytes(32));
    for (let i = 0; i < 300; i += 1) {
      const fromPatient = i % 2 === 0;
      store.addMessage(
        {
          messageId: `m${i}`,
          conversationId: 'p1',
          patientId: 'p1',
          senderDeviceId: fromPatient ? 'patient-device' : 'staff-device',
          outgoing: !fromPatient,
        urgent: false,
        outOfHours: null,
          scope: 'patient',
          body: `${i}: ${samples.join(' / ')} ${'répété '.repeat(i % 50)}`,
          sentAt: 1000 + i,
          seq: i,
          relaySeq: i,
          state: fromPatient ? 'received' : 'delivered',
          fromPatient,
        },
        1000 + i,
      );
    }
    repo.appendAuditEvent({
      at: 2,
      actorId: 's1',
      deviceId: null,
      action: 'patient.viewed',
      subjectType: 'patient',
      subjectId: 'p1',
      details: { name: 'Zoë Brûlé-Tremblay' },
    });
    // The writes are real (control): the store reads the samples back.
    expect(store.message('m4')?.body).toContain('métoprolol');
    expect(store.conversationsMentioning('QUOKKA7731')).toEqual(new Set(['p1']));
    await blobs.put(new TextEncoder().encode(samples.join('\n').repeat(2000)));
    const exported = join(root, 'lab-results.txt');
    writeFileSync(exported, `${samples.join('\n')}\n`.repeat(5000));
    await blobs.putFile(exported);

    // Open, with everything still in the WAL: no checkpoint has run.
    expect(statSync(join(profileDir, 'data', 'network.db-wal')).size).toBeGreaterThan(100_000);
    expect(statSync(join(profileDir, 'data', 'profile.db-wal')).size).toBeGreaterThan(0);
    expect(filesUnder(profileDir).map((f) => f.slice(profileDir.length)).sort()).toEqual(
      expect.arrayContaining([
        '/data/profile.db',
        '/data/profile.db-shm',
        '/data/profile.db-wal',
        '/data/network.db',
        '/data/network.db-shm',
        '/data/network.db-wal',
      ]),
    );
    expect(plaintextFound(profileDir)).toEqual([]);

    profile.close();
    store.close();
    expect(plaintextFound(profileDir)).toEqual([]);
    expect(filesUnder(join(profileDir, 'blobs'))).toHaveLength(2);
  });
});
