// Frames about short codes (ADR 15): a challenge with the code's Argon2id parameters, then
// the bundle for a signature made with the key the code derives. The relay never sees the
// short code or the date of birth; it counts every failed proof and refuses the code for
// good at the fifth. What it says after a failure never tells which part was wrong.
import { toBase64 } from '../../shared/protocol/encoding';
import { decodeChecked } from '../../shared/protocol/fields';
import { type ShortCodeBundle, type ShortCodeParams, SHORT_CODE_MEMLIMIT, SHORT_CODE_OPSLIMIT, shortCodeBundleSchema, shortCodeProofInput } from '../../shared/protocol/short-code';
import { utf8Encode } from '../../shared/protocol/canonical';
import { type Handlers, type RelayContext } from '../context';
import { refuse } from '../refusal';
import { StoreConflictError } from '../store/relay-store';

type ShortCodeRequests = 'code.challenge' | 'code.open';

/** Failed proofs after which a code is refused for good. */
export const SHORT_CODE_MAX_FAILURES = 5;
const CHALLENGE_TTL_MS = 2 * 60_000;
/** Open challenges held at once; the oldest go first beyond this. */
const MAX_CHALLENGES = 10_000;

const WRONG = 'The code or the date of birth does not match. After 5 wrong tries the code stops working for good.';
const TAKEN = 'Another short code already uses this lookup id; draw another.';
const REFUSED = 'This code stopped working after too many wrong tries. The clinic can give you a new one.';

export function shortCodeHandlers(ctx: RelayContext): Handlers<ShortCodeRequests> {
  const { store, sodium, log, now } = ctx;
  const challenges = new Map<string, { lookupId: string; challenge: Uint8Array; expiresAt: number }>();
  // Unknown lookup ids get parameters that look like a real code's and stay the same for
  // that id, so asking does not tell which ids are in use.
  const decoyKey = sodium.randombytes_buf(32);
  const decoyParams = (lookupId: string): ShortCodeParams => ({
    v: 1,
    kdf: 'argon2id13',
    opslimit: SHORT_CODE_OPSLIMIT,
    memlimit: SHORT_CODE_MEMLIMIT,
    salt: toBase64(sodium.crypto_generichash(16, utf8Encode(`short-code-decoy|${lookupId}`), decoyKey)),
  });

  const prune = (at: number): void => {
    for (const [id, c] of challenges) {
      if (c.expiresAt > at && challenges.size <= MAX_CHALLENGES) break;
      challenges.delete(id);
    }
  };

  return {
    'code.challenge': async ({ body }) => {
      await ctx.clinicOrRefuse();
      const record = await store.getShortCode(body.lookupId);
      let params = decoyParams(body.lookupId);
      if (record) params = shortCodeBundleSchema.parse(JSON.parse(record.bundleJson)).params;
      const at = now();
      prune(at);
      const challengeId = toBase64(sodium.randombytes_buf(18)).replace(/\+/g, '-').replace(/\//g, '_');
      const challenge = sodium.randombytes_buf(32);
      challenges.set(challengeId, { lookupId: body.lookupId, challenge, expiresAt: at + CHALLENGE_TTL_MS });
      return { challengeId, challenge: toBase64(challenge), params };
    },

    'code.open': async ({ body }) => {
      const binding = await ctx.clinicOrRefuse();
      // A challenge answers one proof only.
      const held = challenges.get(body.challengeId);
      challenges.delete(body.challengeId);
      const live = held && held.lookupId === body.lookupId && now() < held.expiresAt ? held : refuse('expired', 'This check took too long or was already used. Try again.');
      const record = (await store.getShortCode(body.lookupId)) ?? refuse('code-or-birth-date', WRONG);
      if (record.refusedAt !== null) refuse('code-refused', REFUSED);
      const bundle: ShortCodeBundle = shortCodeBundleSchema.parse(JSON.parse(record.bundleJson));
      const proven = sodium.crypto_sign_verify_detached(decodeChecked(body.signature), shortCodeProofInput(binding.clinicId, body.lookupId, live.challenge), decodeChecked(bundle.proofKey));
      if (!proven) {
        const counted = await store.recordShortCodeFailure(body.lookupId, now(), SHORT_CODE_MAX_FAILURES);
        log.warn('short-code.failed', { count: counted?.failures ?? 0, code: counted?.refused ? 'refused' : 'counted' });
        if (counted?.refused) refuse('code-refused', REFUSED);
        refuse('code-or-birth-date', WRONG);
      }
      // Only someone who holds the code and the date of birth learns why it cannot be used.
      if (now() >= record.expiresAt) refuse('expired', 'This code has expired. The clinic can give you a new one.');
      if (record.kind === 'enrollment') {
        const enrollment = (await store.getEnrollment(record.targetId)) ?? refuse('not-found', 'The clinic no longer holds this enrollment. Ask it for a new code.');
        if (enrollment.redeemedAt !== null) refuse('already-used', 'This code was already used to connect a device.');
        const consent = await ctx.latestConsent(enrollment.patientId);
        if (!consent || consent.activeScopes.length === 0 || (consent.expiresAt !== null && now() >= consent.expiresAt)) refuse('no-consent', 'Your consent to message the clinic is not active. The clinic can renew it.');
      } else {
        const invite = (await store.getInvite(record.targetId)) ?? refuse('not-found', 'The clinic no longer holds this invite. Ask for a new one.');
        if (invite.redeemedAt !== null) refuse('already-used', 'This invite was already used.');
      }
      log.info('short-code.opened', { type: record.kind });
      return { bundle };
    },
  };
}

/** Files a short code's bundle with the invite or enrollment it opens (enroll.create, invite.create). */
export async function fileShortCode(ctx: RelayContext, short: ShortCodeBundle, expected: { kind: 'invite' | 'enrollment'; targetId: string; expiresAt: number }): Promise<void> {
  if (short.kind !== expected.kind || short.targetId !== expected.targetId) refuse('invalid', 'The short code does not belong to this code.');
  await ctx.store
    .putShortCode({ lookupId: short.lookupId, kind: short.kind, targetId: short.targetId, bundleJson: JSON.stringify(short), expiresAt: expected.expiresAt, createdAt: ctx.now() })
    .catch((error: unknown) => {
      if (error instanceof StoreConflictError) refuse('short-code-taken', TAKEN);
      throw error;
    });
}

/** Refuses before anything is stored when the lookup id is already taken by a live code. */
export async function checkShortCodeFree(ctx: RelayContext, short: ShortCodeBundle | undefined): Promise<void> {
  if (!short) return;
  const existing = await ctx.store.getShortCode(short.lookupId);
  if (existing && existing.expiresAt > ctx.now()) refuse('short-code-taken', TAKEN);
}
