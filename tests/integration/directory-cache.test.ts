// The directory's signature cache (DirectoryView.signedBy, src/main/network/client/): a document verified once is not
// verified again, but the cache is keyed by the exact document, so a relay that keeps a valid
// signature and changes what it covers is still caught, however often the directory is read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { type Directory } from '../../src/main/network/clinic-client';
import { startHeadlessClinic } from '../../tools/headless';
import { type AnswerBody } from '../../src/shared/protocol/relay-frames';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the verified directory', () => {
  it('refuses a consent whose signature was copied onto changed content, even after the original was verified', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-directory-'));
    const clinic = await startHeadlessClinic({ dir });
    cleanups.push(async () => {
      await clinic.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const desk = await clinic.addStaff('desk', 'front-desk');
    const doctor = await clinic.addStaff('doctor', 'clinician');
    await clinic.addPatient('alex', 'pAlex', desk, ['reminders']);
    const honest = await doctor.client.verifiedDirectory(true);
    expect(honest.consents.get('pAlex')?.activeScopes).toEqual(['reminders']);

    const raw = doctor.client.local.get<AnswerBody<'directory.get'>>('directory-raw') as AnswerBody<'directory.get'>;
    const forged = {
      ...raw,
      consents: raw.consents.map((c) => (c.document.patientId === 'pAlex' ? { ...c, document: { ...c.document, activeScopes: ['clinical' as const, 'reminders' as const] } } : c)),
    };
    // The stored answer verified again, as the app does to seal while offline.
    const view = (doctor.client as unknown as { ctx: { directory: { stored(): Directory | null } } }).ctx.directory;
    const verify = (answer: AnswerBody<'directory.get'>): Directory | null => {
      doctor.client.local.put('directory-raw', answer);
      return view.stored();
    };
    // The same answer again is accepted (from the cache); the forged one is not.
    expect(verify(raw)?.consents.get('pAlex')?.activeScopes).toEqual(['reminders']);
    expect(verify(forged)?.consents.has('pAlex')).toBe(false);
  });
});
