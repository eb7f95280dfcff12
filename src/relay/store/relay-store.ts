// What the relay keeps, behind one interface: SQLite today (sqlite-store.ts), PostgreSQL
// later. Every method is async so a networked database fits the same shape. The relay
// stores only what it needs to route and to check signatures: public keys, signed
// documents (as canonical JSON text), and envelopes, which are ciphertext.
//
// Rules every implementation keeps:
// - Signed documents are stored as the exact JSON text the relay verified.
// - Nothing is ever updated in place except the marks named below (redeemed, revoked).
// - `appendMessage` is idempotent on `messageId` and assigns, in one transaction, the next
//   per-conversation `seq` and the next global `relaySeq` (the sync cursor).

export type ClinicBinding = {
  readonly clinicId: string;
  /** Ed25519 public key of the clinic root, 32 bytes. */
  readonly rootPublicKey: Uint8Array;
  readonly boundAt: number;
};

export type DeviceKind = 'staff' | 'patient';

export type DeviceRecord = {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  /** Staff role, or null for a patient device. */
  readonly role: string | null;
  /** The staff member, or null for a patient device. */
  readonly staffId: string | null;
  /** The patient, or null for a staff device. */
  readonly patientId: string | null;
  readonly signingKey: Uint8Array;
  readonly boxKey: Uint8Array;
  /** Staff: the signed certificate; patient: `{ record, redemption }`. JSON text. */
  readonly proofJson: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
  /** The signed revocation, JSON text, when revoked. */
  readonly revocationJson: string | null;
};

export type InviteRecord = {
  readonly inviteId: string;
  /** The signed invite, JSON text. */
  readonly inviteJson: string;
  readonly expiresAt: number;
  readonly createdAt: number;
  /** The signed redemption, JSON text, once a device redeemed the invite. */
  readonly redemptionJson: string | null;
  readonly redeemedAt: number | null;
  /** The device that redeemed, once redeemed. */
  readonly deviceId: string | null;
  /** Set when the redeemed device was certified. */
  readonly certifiedAt: number | null;
};

export type EnrollmentRecord = {
  readonly enrollmentId: string;
  readonly patientId: string;
  /** The signed enrollment record, JSON text. */
  readonly recordJson: string;
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly redeemedAt: number | null;
  readonly deviceId: string | null;
};

export type ConsentRecord = {
  readonly patientId: string;
  readonly version: number;
  /** The signed consent status, JSON text. */
  readonly statusJson: string;
  readonly storedAt: number;
};

export type RecordsEpochRecord = {
  readonly epoch: number;
  /** The signed records epoch, JSON text. */
  readonly epochJson: string;
  readonly storedAt: number;
};

export type PolicyRecord = {
  readonly version: number;
  /** The signed policy, JSON text. */
  readonly policyJson: string;
  readonly storedAt: number;
};

export type NewMessage = {
  readonly messageId: string;
  readonly conversationId: string;
  readonly patientId: string;
  readonly senderDeviceId: string;
  /** The envelope as received, JSON text. */
  readonly envelopeJson: string;
  /** BLAKE2b-256 of the envelope's canonical bytes: tells a retry from a conflicting reuse of an id. */
  readonly digest: Uint8Array;
  readonly receivedAt: number;
  /** Blobs (ADR 19) this message carries; bound to it in the same transaction. */
  readonly blobIds?: readonly string[];
};

export type StoredMessage = Omit<NewMessage, 'blobIds'> & {
  /** Per-conversation order, from 1. */
  readonly seq: number;
  /** Global order across the relay, from 1: the sync cursor. */
  readonly relaySeq: number;
};

export type AppendOutcome =
  | { readonly kind: 'stored'; readonly message: StoredMessage }
  /** Same id and same digest: a retry; nothing was written. */
  | { readonly kind: 'duplicate'; readonly message: StoredMessage }
  /** Same id, another digest: refused, nothing was written. */
  | { readonly kind: 'conflict' };

export type ReceiptKind = 'delivered' | 'read';

export type NewReceipt = {
  readonly messageId: string;
  readonly conversationId: string;
  readonly patientId: string;
  readonly deviceId: string;
  readonly kind: ReceiptKind;
  readonly at: number;
};

export type StoredReceipt = NewReceipt & { readonly relaySeq: number };

/** One item of a device's sync stream, in relaySeq order. */
export type SyncItem = { readonly kind: 'message'; readonly message: StoredMessage } | { readonly kind: 'receipt'; readonly receipt: StoredReceipt };

export type ShortCodeRecord = {
  readonly lookupId: string;
  readonly kind: 'invite' | 'enrollment';
  /** The invite or enrollment the long code inside the bundle redeems. */
  readonly targetId: string;
  /** The sealed bundle (ADR 15), JSON text: ciphertext and public values only. */
  readonly bundleJson: string;
  readonly expiresAt: number;
  readonly createdAt: number;
  /** Failed proofs so far. */
  readonly failures: number;
  /** Set when the code was refused for good (too many failed proofs). */
  readonly refusedAt: number | null;
};

/** One batch of a device's audit trail (ADR 20): its JSON as sent, and its leaf in the log. */
export type AuditBatchRecord = {
  readonly leafIndex: number;
  readonly deviceId: string;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly headHash: string;
  readonly leafHash: Uint8Array;
  readonly batchJson: string;
  readonly createdAt: number;
};

/** An alert for IT (ADR 16): the signed document, as JSON text, under its order of arrival. */
export type StaffAlertRecord = {
  readonly alertSeq: number;
  readonly alertId: string;
  readonly deviceId: string;
  readonly alertJson: string;
  readonly createdAt: number;
};

/** A care-team event (ADR 17): its envelope, as JSON text, under its order of arrival. */
export type TeamEventRecord = {
  readonly teamSeq: number;
  readonly eventId: string;
  readonly senderDeviceId: string;
  readonly envelopeJson: string;
  readonly digest: Uint8Array;
  readonly receivedAt: number;
};

export type TeamEventOutcome = { readonly kind: 'stored' | 'duplicate'; readonly teamSeq: number } | { readonly kind: 'conflict' };

/** An attachment blob (ADR 19): ciphertext chunks the relay cannot read. */
export type BlobRecord = {
  readonly blobId: string;
  readonly patientId: string;
  readonly uploaderDeviceId: string;
  /** Known once the chunk marked last is stored. */
  readonly chunkCount: number | null;
  readonly storedChunks: number;
  readonly storedBytes: number;
  /** The message it belongs to, once that message was accepted. */
  readonly messageId: string | null;
  readonly createdAt: number;
};

export type BlobChunkOutcome =
  | { readonly kind: 'stored' | 'duplicate'; readonly blob: BlobRecord }
  /** Another device's or patient's blob, a blob already sent, other bytes at a held index, or a chunk past the end. */
  | { readonly kind: 'conflict'; readonly reason: 'owner' | 'bound' | 'bytes' | 'past-end' };

export type RelayStore = {
  /** The clinic this relay serves, or null before setup. */
  getClinic(): Promise<ClinicBinding | null>;
  /** Binds the relay to a clinic root. Throws StoreConflictError if already bound. */
  bindClinic(binding: ClinicBinding): Promise<void>;

  /** The newest policy, or null. */
  getPolicy(): Promise<PolicyRecord | null>;
  /** Stores a policy; throws StoreConflictError unless version > the newest held. */
  putPolicy(policy: PolicyRecord): Promise<void>;

  /** Throws StoreConflictError when the device id or its signing key is already known. */
  putDevice(device: DeviceRecord): Promise<void>;
  getDevice(deviceId: string): Promise<DeviceRecord | null>;
  /** All devices, revoked ones included, in createdAt order. */
  listDevices(): Promise<DeviceRecord[]>;
  /** Marks a device revoked; false when unknown or already revoked. */
  revokeDevice(deviceId: string, revocationJson: string, at: number): Promise<boolean>;

  /** Throws StoreConflictError when the id exists. */
  putInvite(invite: Omit<InviteRecord, 'redemptionJson' | 'redeemedAt' | 'deviceId' | 'certifiedAt'>): Promise<void>;
  getInvite(inviteId: string): Promise<InviteRecord | null>;
  /** Records a redemption once; false when unknown or already redeemed. */
  redeemInvite(inviteId: string, deviceId: string, redemptionJson: string, at: number): Promise<boolean>;
  /** Marks a redeemed invite as certified; false when not redeemed or already certified. */
  markInviteCertified(inviteId: string, at: number): Promise<boolean>;
  /** Redeemed and not yet certified, oldest first. */
  listRedeemedInvites(): Promise<InviteRecord[]>;

  /** Throws StoreConflictError when the id exists. */
  putEnrollment(enrollment: Omit<EnrollmentRecord, 'redeemedAt' | 'deviceId'>): Promise<void>;
  getEnrollment(enrollmentId: string): Promise<EnrollmentRecord | null>;
  /**
   * Redeems an enrollment and stores the patient's device in one transaction; false (and
   * nothing written) when unknown or already redeemed. Throws StoreConflictError when the
   * device id or signing key is already known.
   */
  redeemEnrollment(enrollmentId: string, device: DeviceRecord, at: number): Promise<boolean>;
  /**
   * Ends an unused enrollment of this patient now (its code, long and short, then answers
   * `expired`): a new code replaced it. False when unknown, another patient's, or used.
   */
  endEnrollment(enrollmentId: string, patientId: string, at: number): Promise<boolean>;

  /**
   * Files a short code's bundle under its lookup id. An expired entry under the same id is
   * replaced; a live one (refused ones included) throws StoreConflictError.
   */
  putShortCode(code: Omit<ShortCodeRecord, 'failures' | 'refusedAt'>): Promise<void>;
  getShortCode(lookupId: string): Promise<ShortCodeRecord | null>;
  /**
   * Counts one failed proof, in one atomic step, and refuses the code for good when the
   * count reaches `limit`. Returns the count and whether the code is now refused; null when
   * the lookup id is unknown.
   */
  recordShortCodeFailure(lookupId: string, at: number, limit: number): Promise<{ failures: number; refused: boolean } | null>;

  /** The relay's own key for signing audit checkpoints, made once and kept (ADR 20). */
  getAuditLogKey(): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array } | null>;
  /** Keeps the log key unless one is held already; returns the one held. */
  putAuditLogKey(key: { publicKey: Uint8Array; secretKey: Uint8Array }): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array }>;
  /**
   * Appends a device's next audit batch as the log's next leaf, in one transaction. Throws
   * StoreConflictError when the device's last batch held does not end at `fromSeq - 1`.
   */
  appendAuditBatch(batch: Omit<AuditBatchRecord, 'leafIndex'>): Promise<{ leafIndex: number }>;
  /** The device's last batch held (where its trail resumes), or null. */
  lastAuditBatch(deviceId: string): Promise<AuditBatchRecord | null>;
  /** Batches from leaf `fromLeaf` on, in log order, at most `limit`. */
  listAuditBatches(fromLeaf: number, limit: number): Promise<AuditBatchRecord[]>;
  /** Every leaf hash of the log, in order (for checkpoints and proofs). */
  auditLeaves(): Promise<Uint8Array[]>;

  /** Stores an alert once: null (and nothing written) when its alertId is already held. */
  putStaffAlert(alert: Omit<StaffAlertRecord, 'alertSeq'>): Promise<{ alertSeq: number } | null>;
  /** Alerts after `after`, oldest first, at most `limit`. */
  listStaffAlerts(after: number, limit: number): Promise<StaffAlertRecord[]>;
  /** How many alerts a device raised since `since` (its rate limit). */
  countStaffAlerts(deviceId: string, since: number): Promise<number>;

  /**
   * Stores a care-team event once by eventId: the same bytes again are a duplicate (its
   * teamSeq returned), other bytes under the same id a conflict (nothing written).
   */
  appendTeamEvent(event: Omit<TeamEventRecord, 'teamSeq'>): Promise<TeamEventOutcome>;
  /** Care-team events after `after`, oldest first, at most `limit`. */
  listTeamEvents(after: number, limit: number): Promise<TeamEventRecord[]>;

  /** The newest consent status of a patient, or null. */
  getConsent(patientId: string): Promise<ConsentRecord | null>;
  /** A patient's own withdrawal (signed JSON); the newest replaces an older one. */
  putPatientWithdrawal(withdrawal: { readonly patientId: string; readonly requestedAt: number; readonly withdrawalJson: string }): Promise<void>;
  /**
   * Stores a patient card (envelope JSON) unless the stored one is newer (by sentAt); each
   * stored card gets the next cardSeq. Returns null when an older card was ignored.
   */
  putCard(card: { readonly patientId: string; readonly sentAt: number; readonly cardJson: string }): Promise<{ cardSeq: number; replaced: boolean } | null>;
  /** The newest card of each patient whose cardSeq is after `after`, in cardSeq order. */
  listCards(after: number, limit: number): Promise<{ cardSeq: number; patientId: string; cardJson: string }[]>;
  /** The newest patient withdrawal of every patient (or of one). */
  listPatientWithdrawals(patientId?: string): Promise<{ patientId: string; requestedAt: number; withdrawalJson: string }[]>;
  /** The newest consent status of every patient, by patient id. */
  listConsents(): Promise<ConsentRecord[]>;
  /** Throws StoreConflictError unless version > the newest held for that patient. */
  putConsent(consent: ConsentRecord): Promise<void>;

  /** Throws StoreConflictError unless epoch === newest + 1 (the first is 0). */
  putRecordsEpoch(epoch: RecordsEpochRecord): Promise<void>;
  latestRecordsEpoch(): Promise<RecordsEpochRecord | null>;
  listRecordsEpochs(): Promise<RecordsEpochRecord[]>;

  appendMessage(message: NewMessage): Promise<AppendOutcome>;
  getMessage(messageId: string): Promise<StoredMessage | null>;
  /** Stores a receipt; one per (messageId, deviceId, kind); returns null when already held. */
  putReceipt(receipt: NewReceipt): Promise<StoredReceipt | null>;
  /**
   * Messages and receipts with relaySeq > after, oldest first, at most `limit`; only the
   * given patient's when `patientId` is set (a patient device's view).
   */
  syncSince(after: number, limit: number, patientId?: string): Promise<SyncItem[]>;

  /**
   * Stores one chunk of a blob, creating the blob at its first chunk. The same bytes at the
   * same index again are a duplicate (an upload resumed). `last` fixes the chunk count.
   * `maxBytes` bounds the blob's stored bytes: a chunk that would pass it is refused.
   */
  putBlobChunk(chunk: {
    readonly blobId: string;
    readonly patientId: string;
    readonly uploaderDeviceId: string;
    readonly index: number;
    readonly bytes: Uint8Array;
    readonly last: boolean;
    readonly at: number;
  }): Promise<BlobChunkOutcome>;
  getBlob(blobId: string): Promise<BlobRecord | null>;
  /** How many chunks from index 0 are held without a gap (where a resumed upload starts). */
  blobPrefix(blobId: string): Promise<number>;
  getBlobChunk(blobId: string, index: number): Promise<Uint8Array | null>;
  /**
   * Retention (ADR 19): removes the messages received before `messagesBefore` with their
   * receipts and blobs, and the blobs never bound to a message created before
   * `unboundBefore`. Returns what it removed.
   */
  removeExpired(cutoffs: { readonly messagesBefore: number; readonly unboundBefore: number }): Promise<{ messages: number; blobs: number }>;

  close(): Promise<void>;
};

/** A write that would break one of the rules above; nothing was written. */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/** The store's file cannot be used (damaged, not a database, newer schema). */
export class StoreUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: 'damaged' | 'too-new' | 'io',
  ) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}
