// A patient's device on the desktop client: redeeming the receipt's code and withdrawing.
// Patients run the portal (src/portal/client/patient-client.ts); this path remains for the
// headless clients of the tests, the demo and the benchmarks until they use the portal's.
import { checkCodeClinic, codeKeys, parseCode } from '../../../shared/protocol/codes';
import { PREFIX, enrollmentRedemptionSchema, patientWithdrawalSchema } from '../../../shared/protocol/documents';
import { toBase64 } from '../../../shared/protocol/encoding';
import { decodeChecked } from '../../../shared/protocol/fields';
import { generateDeviceKeys, rootFingerprintBytes } from '../../../shared/protocol/keys';
import { signDocument } from '../../../shared/protocol/signed';
import { connectRelay } from '../relay-connection';
import { fail } from './client-error';
import { type ClientContext } from './context';
import { type Identity, keyText, randomId } from './identity';

export class PatientDevice {
  constructor(private readonly ctx: ClientContext) {}

  /**
   * Redeems the code from the receipt: checks the relay serves the clinic whose fingerprint
   * the code carries, then binds this device's new keys to the patient.
   */
  async redeemEnrollment(input: { relayUrl: string; code: string }): Promise<{ fingerprint: string; patientId: string }> {
    const { sodium } = this.ctx;
    if (this.ctx.identity.joined) fail('already-joined', 'This device already belongs to a clinic.');
    const code = parseCode(sodium, input.code, 'enrollment');
    const connection = await connectRelay(input.relayUrl, { timeoutMs: this.ctx.timeoutMs });
    try {
      const { clinic } = await connection.request('clinic.info', {});
      if (!clinic) return fail('wrong-clinic', 'This relay has not been set up for a clinic.');
      checkCodeClinic(code, rootFingerprintBytes(sodium, decodeChecked(clinic.rootPublicKey)));
      const device = generateDeviceKeys(sodium);
      const deviceId = randomId(sodium, 'p');
      const derived = codeKeys(sodium, code);
      const redemption = signDocument(
        sodium,
        PREFIX.enrollmentRedemption,
        enrollmentRedemptionSchema,
        { v: 1, clinicId: clinic.clinicId, enrollmentId: code.id, deviceId, signingKey: toBase64(device.signing.publicKey), boxKey: toBase64(device.box.publicKey), redeemedAt: this.ctx.now() },
        derived.privateKey,
      );
      const { enrollment } = await connection.request('enroll.redeem', { redemption });
      if (enrollment.document.enrollmentId !== code.id || enrollment.document.enrollmentKey !== toBase64(derived.publicKey)) {
        fail('untrusted', 'The relay answered with another enrollment.');
      }
      this.ctx.identity.save({
        deviceId,
        kind: 'patient',
        role: null,
        staffId: null,
        patientId: enrollment.document.patientId,
        clinicId: clinic.clinicId,
        relayUrl: input.relayUrl,
        rootPublicKey: clinic.rootPublicKey,
        signing: keyText(device.signing),
        box: keyText(device.box),
        status: 'active',
      } satisfies Identity);
      // The issuer's certificate is checked with the directory, as soon as it is fetched.
      await this.ctx.directory.verified(true);
      return { fingerprint: this.ctx.identity.fingerprint(), patientId: enrollment.document.patientId };
    } finally {
      await connection.close();
    }
  }

  /** The patient withdraws their own consent from this device; the clinic stops writing at once. */
  async requestWithdrawal(): Promise<void> {
    const id = this.ctx.identity.current();
    if (id.kind !== 'patient') fail('not-allowed', 'Only a patient’s device can withdraw this way.');
    const withdrawal = signDocument(
      this.ctx.sodium,
      PREFIX.patientWithdrawal,
      patientWithdrawalSchema,
      { v: 1, clinicId: id.clinicId, patientId: id.patientId as string, deviceId: id.deviceId, requestedAt: this.ctx.now() },
      this.ctx.identity.keys().signing.privateKey,
    );
    await (await this.ctx.session.relay()).request('consent.withdraw-request', { withdrawal });
    this.ctx.directory.forget();
  }
}
