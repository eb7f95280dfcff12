// The one directory verifier, as staff and as a patient see the same relay answer: a real
// headless clinic on loopback gives the directory; the tests then tamper with it or with what
// the device remembers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { rawLogin } from '../../../tests/support/raw-relay';
import { type HeadlessClinic, startHeadlessClinic } from '../../../tools/headless';
import { type DirectoryMemory, DirectoryTrustError, type DirectoryViewer, type RawDirectory, freshDirectoryMemory, verifyDirectory } from './directory';
import { fromBase64 } from './encoding';

describe('the directory verifier', () => {
  let dir: string;
  let clinic: HeadlessClinic;
  let raw: RawDirectory;
  let staff: DirectoryViewer;
  let patient: DirectoryViewer;

  beforeAll(async () => {
    await sodium.ready;
    dir = mkdtempSync(join(tmpdir(), 'cm-directory-'));
    clinic = await startHeadlessClinic({ dir });
    const desk = await clinic.addStaff('desk', 'front-desk');
    await clinic.addStaff('dr', 'clinician');
    const phone = await clinic.addPatient('phone', 'pat-dir', desk);
    await desk.client.publishConsent('pat-dir', ['clinical', 'reminders']); // version 2
    const { connection, identity } = await rawLogin(clinic.relay.url, phone);
    raw = await connection.request('directory.get', {});
    const info = await connection.request('clinic.info', {});
    await connection.close();
    const rootPublicKey = fromBase64(info.clinic?.rootPublicKey ?? '') as Uint8Array;
    staff = { clinicId: identity.clinicId, rootPublicKey };
    patient = { ...staff, patient: { patientId: 'pat-dir', deviceId: identity.deviceId, signingPublicKey: fromBase64(identity.signing.publicKey) as Uint8Array } };
  });

  afterAll(async () => {
    await clinic.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const now = () => Date.now();
  const verify = (viewer: DirectoryViewer, directory: RawDirectory = raw, memory: DirectoryMemory = freshDirectoryMemory) => verifyDirectory(sodium, viewer, directory, memory, now());
  const reasonOf = (f: () => unknown): string | null => {
    try {
      f();
      return null;
    } catch (error) {
      return error instanceof DirectoryTrustError ? error.reason : 'other';
    }
  };

  it('gives staff and the patient the same verdict on that patient’s devices, consent and keys', () => {
    const a = verify(staff);
    const b = verify(patient);
    const patientDevices = (d: typeof a.directory) => [...d.devices.values()].filter((x) => x.kind === 'patient').map((x) => x.deviceId);
    expect(patientDevices(b.directory)).toEqual(patientDevices(a.directory));
    expect(b.directory.consents.get('pat-dir')).toEqual(a.directory.consents.get('pat-dir'));
    expect(a.directory.consents.get('pat-dir')).toMatchObject({ version: 2, activeScopes: ['clinical', 'reminders'] });
    expect(b.directory.epoch).toEqual(a.directory.epoch);
    expect(b.memory).toEqual(a.memory);
    expect(a.memory).toMatchObject({ consentVersions: { 'pat-dir': 2 }, policyVersion: 1, epochSeen: raw.recordsEpoch?.document.epoch });
    expect(a.memory.epochSeen).toBeGreaterThan(0); // each new clinician or IT admin device rotated the key
  });

  it('leaves a rolled-back consent out for staff, and refuses it in the patient’s own view', () => {
    const seen = { ...freshDirectoryMemory, consentVersions: { 'pat-dir': 5 } };
    expect(verify(staff, raw, seen).directory.consents.has('pat-dir')).toBe(false);
    expect(reasonOf(() => verify(patient, raw, seen))).toBe('rollback');
    // A consent that vanished after one was seen.
    expect(reasonOf(() => verify(patient, { ...raw, consents: [] }, { ...freshDirectoryMemory, consentVersions: { 'pat-dir': 1 } }))).toBe('rollback');
  });

  it('refuses, for everyone, older or missing rules, an older records key, or one given to a device that must not hold it', () => {
    for (const viewer of [staff, patient]) {
      expect(reasonOf(() => verify(viewer, { ...raw, policy: null }, { ...freshDirectoryMemory, policyVersion: 1 }))).toBe('rollback');
      expect(reasonOf(() => verify(viewer, raw, { ...freshDirectoryMemory, policyVersion: 2 }))).toBe('policy');
      expect(reasonOf(() => verify(viewer, raw, { ...freshDirectoryMemory, epochSeen: 99 }))).toBe('rollback');
      const epoch = raw.recordsEpoch as NonNullable<RawDirectory['recordsEpoch']>;
      const widened = { ...epoch, document: { ...epoch.document, sealed: [...epoch.document.sealed, { deviceId: 'dSomeoneElse01', key: epoch.document.sealed[0]?.key ?? '' }] } };
      expect(reasonOf(() => verify(viewer, { ...raw, recordsEpoch: widened }))).toBe('records-key');
    }
  });

  it('refuses a patient view that does not show the patient’s own device', () => {
    expect(reasonOf(() => verify(patient, { ...raw, patients: [] }))).toBe('own-device');
    expect(reasonOf(() => verify(staff, { ...raw, patients: [] }))).toBeNull();
  });
});
