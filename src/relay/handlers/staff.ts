// Frames that build the care team: invites redeemed by new staff devices and certified by
// the root holder, removal of a device, the records key epochs and the signed clinic policy.
import { clinicRulesSchema } from '../../shared/protocol/clinic-rules';
import { PREFIX } from '../../shared/protocol/documents';
import { decodeChecked } from '../../shared/protocol/fields';
import { type PolicyError, verifyClinicPolicy } from '../../shared/protocol/policy';
import { signedInviteRedemptionSchema, signedInviteSchema } from '../../shared/protocol/relay-frames';
import { isReader } from '../audience';
import { DAY, type Handlers, type RelayContext } from '../context';
import { conflict, refuse } from '../refusal';
import { checkShortCodeFree, fileShortCode } from './short-codes';

type StaffRequests = 'invite.redeem' | 'invite.create' | 'invite.pending' | 'device.certify' | 'device.revoke' | 'records.get' | 'records.publish' | 'policy.publish';

export function staffHandlers(ctx: RelayContext): Handlers<StaffRequests> {
  const { store, sodium, log, now } = ctx;
  return {
    'invite.redeem': async ({ body }) => {
      const binding = await ctx.clinicOrRefuse();
      const redemption = body.redemption.document;
      ctx.checkClinic(binding, redemption.clinicId);
      const invite = (await store.getInvite(redemption.inviteId)) ?? refuse('not-found', 'This invite code is not known to the clinic.');
      const signedInvite = ctx.parseJson(signedInviteSchema, invite.inviteJson);
      ctx.signedBy(PREFIX.inviteRedemption, body.redemption, decodeChecked(signedInvite.document.inviteKey), 'invite code');
      if (invite.redeemedAt !== null) refuse('already-used', 'This invite code was already used.');
      if (now() >= invite.expiresAt) refuse('expired', 'This invite code has expired; ask for a new one.');
      await ctx.uniqueDevice(redemption.deviceId);
      if (!(await store.redeemInvite(invite.inviteId, redemption.deviceId, JSON.stringify(body.redemption), now()))) refuse('already-used', 'This invite code was already used.');
      ctx.notify('directory', 0, (d) => d.role === 'it-admin');
      return { invite: signedInvite };
    },

    'invite.create': async ({ body, device: admin }) => {
      const binding = await ctx.clinicOrRefuse();
      const invite = ctx.signedBy(PREFIX.staffInvite, body.invite, admin.signingKey, 'invite');
      ctx.checkClinic(binding, invite.clinicId);
      if (invite.issuedBy !== admin.deviceId) refuse('forbidden', 'An invite must be issued by the device that sends it.');
      if (invite.expiresAt <= now()) refuse('expired', 'This invite is already expired.');
      if (invite.expiresAt - now() > 30 * DAY) refuse('invalid', 'An invite may be valid for 30 days at most.');
      await checkShortCodeFree(ctx, body.short);
      await store.putInvite({ inviteId: invite.inviteId, inviteJson: JSON.stringify(body.invite), expiresAt: invite.expiresAt, createdAt: now() }).catch(conflict('This invite id is already in use.'));
      if (body.short) await fileShortCode(ctx, body.short, { kind: 'invite', targetId: invite.inviteId, expiresAt: invite.expiresAt });
      return {};
    },

    'invite.pending': async () => {
      const pending = await store.listRedeemedInvites();
      return {
        pending: pending.map((invite) => ({
          invite: ctx.parseJson(signedInviteSchema, invite.inviteJson),
          redemption: ctx.parseJson(signedInviteRedemptionSchema, invite.redemptionJson as string),
        })),
      };
    },

    'device.certify': async ({ body }) => {
      const binding = await ctx.clinicOrRefuse();
      const invite = (await store.getInvite(body.inviteId)) ?? refuse('not-found', 'This invite is not known.');
      if (invite.redemptionJson === null) refuse('invalid', 'No device has redeemed this invite yet.');
      if (invite.certifiedAt !== null) refuse('already-used', 'The device for this invite was already approved.');
      const verified = ctx.verifyCertificate(binding, body.certificate);
      const offer = ctx.parseJson(signedInviteSchema, invite.inviteJson).document;
      const redemption = ctx.parseJson(signedInviteRedemptionSchema, invite.redemptionJson as string).document;
      const c = verified.certificate;
      if (c.deviceId !== redemption.deviceId || c.signingKey !== redemption.signingKey || c.boxKey !== redemption.boxKey) {
        refuse('invalid', 'The certificate does not name the keys of the device that redeemed the invite.');
      }
      if (c.role !== offer.role || c.staffId !== offer.staffId) refuse('invalid', 'The certificate does not carry the role and person of the invite.');
      await store.putDevice(ctx.staffDevice(body.certificate, verified)).catch(conflict('This device is already part of the clinic.'));
      await store.markInviteCertified(invite.inviteId, now());
      ctx.notifyDirectory();
      return {};
    },

    'device.revoke': async ({ body }) => {
      const binding = await ctx.clinicOrRefuse();
      const revocation = ctx.signedBy(PREFIX.revocation, body.revocation, binding.rootPublicKey, 'revocation (clinic root)');
      ctx.checkClinic(binding, revocation.clinicId);
      if (!(await store.getDevice(revocation.deviceId))) refuse('not-found', 'This device is not part of the clinic.');
      if (!(await store.revokeDevice(revocation.deviceId, JSON.stringify(body.revocation), now()))) refuse('already-used', 'This device was already removed.');
      for (const other of ctx.sessions) {
        if (other.device?.deviceId === revocation.deviceId) {
          other.device = null;
          other.kick('device revoked');
        }
      }
      log.info('device.revoked');
      ctx.notifyDirectory();
      return {};
    },

    'records.get': async () => ({ epochs: (await store.listRecordsEpochs()).map((e) => JSON.parse(e.epochJson)) }),

    'records.publish': async ({ body, device: admin }) => {
      const binding = await ctx.clinicOrRefuse();
      const epoch = ctx.signedBy(PREFIX.recordsEpoch, body.epoch, admin.signingKey, 'records key');
      ctx.checkClinic(binding, epoch.clinicId);
      if (epoch.issuedBy !== admin.deviceId) refuse('forbidden', 'A records key must be issued by the device that sends it.');
      const latest = await ctx.latestEpoch();
      const expected = latest ? latest.epoch + 1 : 0;
      if (epoch.epoch !== expected) refuse(epoch.epoch < expected ? 'rollback' : 'invalid', `The next records key is epoch ${expected}.`);
      // Sealed to exactly the active clinicians and IT admins: never front desk, patients or revoked devices.
      const readers = new Set((await store.listDevices()).filter(isReader).map((d) => d.deviceId));
      const sealedTo = new Set(epoch.sealed.map((s) => s.deviceId));
      if ([...sealedTo].some((id) => !readers.has(id))) refuse('forbidden', 'A records key may only be given to active clinicians and IT admins.');
      if ([...readers].some((id) => !sealedTo.has(id))) refuse('invalid', 'The records key must be given to every active clinician and IT admin.');
      await store.putRecordsEpoch({ epoch: epoch.epoch, epochJson: JSON.stringify(body.epoch), storedAt: now() }).catch(conflict('Another records key took this epoch first.'));
      ctx.notifyDirectory();
      return {};
    },

    'policy.publish': async ({ body }) => {
      const binding = await ctx.clinicOrRefuse();
      const held = await store.getPolicy();
      try {
        verifyClinicPolicy(sodium, body.policy, { rootPublicKey: binding.rootPublicKey, clinicId: binding.clinicId, knownVersion: held ? held.version + 1 : 0 });
      } catch (error) {
        const code = (error as PolicyError).code;
        refuse(code === 'rollback' ? 'rollback' : code === 'wrong-clinic' ? 'wrong-clinic' : 'bad-signature', code === 'rollback' ? 'A newer policy is already published.' : 'The policy is not signed by this clinic’s root.');
      }
      if (!clinicRulesSchema.safeParse(body.policy.policy.rules).success) refuse('invalid', 'The clinic’s stated rules are incomplete or not valid.');
      await store.putPolicy({ version: body.policy.policy.version, policyJson: JSON.stringify(body.policy), storedAt: now() }).catch(conflict('A newer policy is already published.'));
      ctx.notifyDirectory();
      return {};
    },
  };
}
