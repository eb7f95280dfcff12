// Frames before login: health, the clinic's public identity, binding the relay to a clinic
// root with the one-time setup token, and the challenge-response login of a device.
import { randomBytes } from 'node:crypto';

import { clinicRulesSchema } from '../../shared/protocol/clinic-rules';
import { PREFIX } from '../../shared/protocol/documents';
import { bytesEqual, toBase64 } from '../../shared/protocol/encoding';
import { decodeChecked } from '../../shared/protocol/fields';
import { type PolicyError, verifyClinicPolicy } from '../../shared/protocol/policy';
import { type Handlers, type RelayContext } from '../context';
import { refuse } from '../refusal';
import { type ClinicBinding } from '../store/relay-store';

export function clinicHandlers(ctx: RelayContext): Handlers<'ping' | 'clinic.info' | 'clinic.setup' | 'auth.challenge' | 'auth.login'> {
  const { store, sodium, log, now } = ctx;
  return {
    ping: async () => ({ type: 'pong', time: now() }),

    'clinic.info': async () => {
      const binding = await store.getClinic();
      if (!binding) return { clinic: null };
      const policy = await store.getPolicy();
      return {
        clinic: {
          clinicId: binding.clinicId,
          rootPublicKey: toBase64(binding.rootPublicKey),
          policy: policy ? JSON.parse(policy.policyJson) : null,
        },
      };
    },

    'clinic.setup': async ({ body }) => {
      if (await store.getClinic()) refuse('already-set-up', 'This relay already serves a clinic.');
      if (!ctx.checkSetupToken(body.setupToken)) refuse('bad-token', 'The setup token is not the one this relay printed.');
      const binding: ClinicBinding = { clinicId: body.clinicId, rootPublicKey: decodeChecked(body.rootPublicKey), boundAt: now() };
      try {
        verifyClinicPolicy(sodium, body.policy, { rootPublicKey: binding.rootPublicKey, clinicId: binding.clinicId, knownVersion: 0 });
      } catch (error) {
        refuse('bad-signature', `The clinic policy is not valid (${(error as PolicyError).code}).`);
      }
      if (!clinicRulesSchema.safeParse(body.policy.policy.rules).success) refuse('invalid', 'The clinic’s stated rules are incomplete or not valid.');
      const admin = ctx.verifyCertificate(binding, body.adminCertificate);
      if (admin.certificate.role !== 'it-admin') refuse('forbidden', 'The first device must be an IT admin’s.');
      // Idempotent up to the binding, so a setup interrupted half-way can be retried.
      const policy = await store.getPolicy();
      if (!policy) await store.putPolicy({ version: body.policy.policy.version, policyJson: JSON.stringify(body.policy), storedAt: now() });
      const existing = await store.getDevice(admin.certificate.deviceId);
      if (!existing) await store.putDevice(ctx.staffDevice(body.adminCertificate, admin));
      await store.bindClinic(binding);
      log.info('clinic.bound');
      return {};
    },

    'auth.challenge': async ({ session }) => {
      session.challenge = new Uint8Array(randomBytes(32));
      return { challenge: toBase64(session.challenge) };
    },

    'auth.login': async ({ session, body }) => {
      const binding = await ctx.clinicOrRefuse();
      const challenge = session.challenge;
      session.challenge = null; // one attempt per challenge
      const proof = body.proof.document;
      if (!challenge || !bytesEqual(decodeChecked(proof.challenge), challenge)) refuse('invalid', 'Ask for a new challenge, then sign it.');
      ctx.checkClinic(binding, proof.clinicId);
      const device = await store.getDevice(proof.deviceId);
      if (!device) {
        const pending = (await store.listRedeemedInvites()).some((invite) => invite.deviceId === proof.deviceId);
        return refuse(pending ? 'pending-approval' : 'unknown-device', pending ? 'An IT admin has not approved this device yet.' : 'This device is not part of the clinic.');
      }
      if (device.revokedAt !== null) refuse('revoked', 'This device was removed from the clinic.');
      ctx.signedBy(PREFIX.relayAuth, body.proof, device.signingKey, 'login');
      if (device.kind === 'staff') ctx.verifyCertificate(binding, JSON.parse(device.proofJson));
      session.device = device;
      return { deviceId: device.deviceId, kind: device.kind, role: device.role, patientId: device.patientId };
    },
  };
}
