// Runs in the portal: what this patient device is, kept only inside the passphrase-wrapped
// part of the vault.
export type KeyPairText = { readonly publicKey: string; readonly privateKey: string };

export type PatientIdentity = {
  readonly v: 1;
  readonly deviceId: string;
  readonly patientId: string;
  readonly clinicId: string;
  /** The clinic root, pinned at enrollment after the patient compared its fingerprint. */
  readonly rootPublicKey: string;
  /** The relay's WebSocket address. */
  readonly wsUrl: string;
  readonly signing: KeyPairText;
  readonly box: KeyPairText;
  readonly enrolledAt: number;
};
