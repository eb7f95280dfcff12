// Frames about patients: enrollment codes and their redemption by the patient's device,
// consent statuses signed by registrars, a patient's own withdrawal, and the directory each
// device verifies (a patient sees only their own devices and consent).
import { PREFIX } from '../../shared/protocol/documents';
import { decodeChecked } from '../../shared/protocol/fields';
import { patientDeviceProofSchema, signedEnrollmentSchema } from '../../shared/protocol/relay-frames';
import { type SignedStaffCertificate } from '../../shared/protocol/certificate';
import { type Handlers, type RelayContext } from '../context';
import { conflict, refuse } from '../refusal';
import { type DeviceRecord } from '../store/relay-store';
import { checkShortCodeFree, fileShortCode } from './short-codes';

type PatientRequests = 'enroll.redeem' | 'enroll.create' | 'enroll.end' | 'consent.publish' | 'consent.withdraw-request' | 'directory.get';

export function patientHandlers(ctx: RelayContext): Handlers<PatientRequests> {
  const { store, log, now } = ctx;
  return {
    'enroll.redeem': async ({ body }) => {
      const binding = await ctx.clinicOrRefuse();
      const redemption = body.redemption.document;
      ctx.checkClinic(binding, redemption.clinicId);
      const enrollment = (await store.getEnrollment(redemption.enrollmentId)) ?? refuse('not-found', 'This enrollment code is not known to the clinic.');
      const signedEnrollment = ctx.parseJson(signedEnrollmentSchema, enrollment.recordJson);
      ctx.signedBy(PREFIX.enrollmentRedemption, body.redemption, decodeChecked(signedEnrollment.document.enrollmentKey), 'enrollment code');
      if (enrollment.redeemedAt !== null) refuse('already-used', 'This enrollment code was already used.');
      if (now() >= enrollment.expiresAt) refuse('expired', 'This enrollment code has expired; the clinic can print a new one.');
      const consent = await ctx.latestConsent(enrollment.patientId);
      if (!consent || consent.activeScopes.length === 0 || (consent.expiresAt !== null && now() >= consent.expiresAt)) {
        refuse('no-consent', 'Consent to message the clinic is not active; the clinic can renew it.');
      }
      await ctx.uniqueDevice(redemption.deviceId);
      const device: DeviceRecord = {
        deviceId: redemption.deviceId,
        kind: 'patient',
        role: null,
        staffId: null,
        patientId: enrollment.patientId,
        signingKey: decodeChecked(redemption.signingKey),
        boxKey: decodeChecked(redemption.boxKey),
        proofJson: JSON.stringify({ enrollment: signedEnrollment, redemption: body.redemption }),
        createdAt: now(),
        revokedAt: null,
        revocationJson: null,
      };
      const redeemed = await store.redeemEnrollment(enrollment.enrollmentId, device, now()).catch(conflict('A device with this key is already part of the clinic.'));
      if (!redeemed) refuse('already-used', 'This enrollment code was already used.');
      ctx.notifyDirectory();
      return { enrollment: signedEnrollment };
    },

    'enroll.create': async ({ body, device: registrar }) => {
      const binding = await ctx.clinicOrRefuse();
      const enrollment = ctx.signedBy(PREFIX.enrollment, body.enrollment, registrar.signingKey, 'enrollment');
      ctx.checkClinic(binding, enrollment.clinicId);
      if (enrollment.issuedBy !== registrar.deviceId) refuse('forbidden', 'An enrollment must be issued by the device that sends it.');
      if (enrollment.expiresAt <= now()) refuse('expired', 'This enrollment code is already expired.');
      const consent = body.consent.document;
      if (consent.patientId !== enrollment.patientId) refuse('invalid', 'The consent and the enrollment name different patients.');
      if (consent.activeScopes.length === 0) refuse('no-consent', 'A patient can only be enrolled with at least one active consent.');
      await checkShortCodeFree(ctx, body.short);
      await ctx.publishConsent(registrar, binding, body.consent);
      await store
        .putEnrollment({ enrollmentId: enrollment.enrollmentId, patientId: enrollment.patientId, recordJson: JSON.stringify(body.enrollment), expiresAt: enrollment.expiresAt, createdAt: now() })
        .catch(conflict('This enrollment id is already in use.'));
      if (body.short) await fileShortCode(ctx, body.short, { kind: 'enrollment', targetId: enrollment.enrollmentId, expiresAt: enrollment.expiresAt });
      return {};
    },

    'enroll.end': async ({ body }) => {
      await ctx.clinicOrRefuse();
      return { ended: await store.endEnrollment(body.enrollmentId, body.patientId, now()) };
    },

    'consent.publish': async ({ body, device: registrar }) => {
      await ctx.publishConsent(registrar, await ctx.clinicOrRefuse(), body.consent);
      return {};
    },

    'consent.withdraw-request': async ({ body, device }) => {
      const binding = await ctx.clinicOrRefuse();
      const withdrawal = ctx.signedBy(PREFIX.patientWithdrawal, body.withdrawal, device.signingKey, 'withdrawal');
      ctx.checkClinic(binding, withdrawal.clinicId);
      if (withdrawal.deviceId !== device.deviceId || withdrawal.patientId !== device.patientId) refuse('wrong-patient', 'A patient can only withdraw their own consent.');
      ctx.checkClock(withdrawal.requestedAt, 'request');
      await store.putPatientWithdrawal({ patientId: withdrawal.patientId, requestedAt: withdrawal.requestedAt, withdrawalJson: JSON.stringify(body.withdrawal) });
      log.info('consent.patient-withdrew');
      ctx.notifyDirectory();
      return {};
    },

    'directory.get': async ({ device }) => {
      const devices = await store.listDevices();
      const policy = await store.getPolicy();
      const epoch = await store.latestRecordsEpoch();
      const patientView = device.kind === 'patient';
      const staff = devices.filter((d) => d.kind === 'staff' && d.revokedAt === null);
      const patients = devices.filter((d) => d.kind === 'patient' && d.revokedAt === null && (!patientView || d.patientId === device.patientId));
      const revoked = devices.filter((d) => d.revokedAt !== null && d.revocationJson !== null && (d.kind === 'staff' || !patientView || d.patientId === device.patientId));
      // Staff see every patient's consent (a patient may be enrolled before any device connects); a patient only their own.
      const consentRecords = patientView ? [await store.getConsent(device.patientId as string)].filter((r) => r !== null) : await store.listConsents();
      const withdrawals = await store.listPatientWithdrawals(patientView ? (device.patientId as string) : undefined);
      return {
        policy: policy ? JSON.parse(policy.policyJson) : null,
        staff: staff.map((d) => JSON.parse(d.proofJson) as SignedStaffCertificate),
        revocations: revoked.map((d) => JSON.parse(d.revocationJson as string)),
        patients: patients.map((d) => patientDeviceProofSchema.parse(JSON.parse(d.proofJson))),
        consents: consentRecords.map((record) => JSON.parse(record.statusJson)),
        withdrawals: withdrawals.map((w) => JSON.parse(w.withdrawalJson)),
        recordsEpoch: epoch ? JSON.parse(epoch.epochJson) : null,
      };
    },
  };
}
