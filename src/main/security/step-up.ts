// Runs in main (Node): step-up sign-in for the actions that change who can do what (ADR 20).
// An IT admin enrolls an authenticator app (TOTP, RFC 6238: 6 digits, 30 s, SHA-1, as every
// authenticator app reads it) and receives ten one-time recovery codes. After that, changing
// the rules, approving or revoking computers, inviting staff, exports and legal holds need a
// code given in the last five minutes; main refuses them otherwise, whatever the screen does.
// The secret and the recovery codes' hashes live in the encrypted profile (the clinic store).
// A code is accepted one step early or late (clock drift), and never twice (replay).
import { generateSync, generateURI, verifySync } from 'otplib';

import { toBase32, toBase64 } from '../../shared/protocol/encoding';
import { type SodiumApi } from '../../shared/protocol/sodium-api';
import { AppError } from '../router/app-error';

/** What the clinic store keeps. */
type StepUpState = {
  readonly secret: string;
  readonly enrolledAt: number;
  /** The last time step a code was accepted for: no code of that step or earlier is accepted again. */
  readonly lastTimeStep: number;
  readonly recovery: readonly { readonly hash: string; readonly usedAt: number | null }[];
};
type Pending = { readonly secret: string; readonly createdAt: number };

export type StepUpStore = {
  get<T>(key: string): T | null;
  put(key: string, value: unknown): void;
};

export const STEP_UP_FRESH_MS = 5 * 60_000;
const PERIOD_SECONDS = 30;
const RECOVERY_CODES = 10;
const PENDING_MS = 15 * 60_000;
const MAX_FAILURES = 5;
const LOCKOUT_MS = 60_000;

export type StepUpStatus = { readonly enrolled: boolean; readonly required: boolean; readonly freshUntil: number | null; readonly recoveryLeft: number };

export type StepUpOptions = {
  readonly sodium: () => Promise<SodiumApi>;
  readonly now: () => number;
  /** The encrypted store of the signed-in IT admin; throws when locked. */
  readonly store: () => StepUpStore;
  /** Who the authenticator entry is for (the account's name) and the clinic's name. */
  readonly label: () => { readonly account: string; readonly issuer: string };
  /** Whether the clinic's rules make a code mandatory even before this admin enrolled. */
  readonly requiredByRules: () => boolean;
  readonly audit: (action: string, details: Record<string, string | number | boolean | null>) => Promise<void>;
};

const normalise = (code: string): string => code.replace(/[\s-]/g, '').toUpperCase();

export function createStepUp(options: StepUpOptions) {
  const { now } = options;
  let freshUntil: number | null = null;
  let failures = 0;
  let lockedUntil = 0;

  const state = (): StepUpState | null => options.store().get<StepUpState>('step-up');
  const hashOf = (sodium: SodiumApi, code: string): string => toBase64(sodium.crypto_generichash(32, new TextEncoder().encode(`clinic-messenger/recovery-code/v1\0${normalise(code)}`), null));
  const epoch = (): number => Math.floor(now() / 1000);

  const checkTotp = (secret: string, code: string, after: number | undefined): number | null => {
    if (!/^\d{6}$/.test(code)) return null;
    const result = verifySync({ secret, token: code, epoch: epoch(), period: PERIOD_SECONDS, epochTolerance: PERIOD_SECONDS, ...(after !== undefined ? { afterTimeStep: after } : {}) });
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  };

  const throttle = (): void => {
    if (now() < lockedUntil) throw new AppError('throttled', 'Too many wrong codes. Wait a minute, then try again.', undefined, Math.ceil((lockedUntil - now()) / 1000));
  };
  const failed = async (why: string): Promise<never> => {
    failures += 1;
    if (failures >= MAX_FAILURES) {
      lockedUntil = now() + LOCKOUT_MS;
      failures = 0;
    }
    await options.audit('step-up.refused', { why });
    throw new AppError('invalid-code', 'That code is not right, or it was used already. Enter the code your authenticator app shows now.', { code: 'wrong' }, undefined, why);
  };

  function status(): StepUpStatus {
    const s = state();
    const fresh = freshUntil !== null && now() < freshUntil ? freshUntil : null;
    return { enrolled: s !== null, required: s !== null || options.requiredByRules(), freshUntil: fresh, recoveryLeft: s ? s.recovery.filter((r) => r.usedAt === null).length : 0 };
  }

  return {
    status,

    /** Starts enrolling an authenticator; replacing one already enrolled needs a fresh code from it first. */
    async begin(): Promise<{ secret: string; uri: string }> {
      if (state()) require('step-up.replace');
      const sodium = await options.sodium();
      const secret = toBase32(sodium.randombytes_buf(20));
      options.store().put('step-up-pending', { secret, createdAt: now() } satisfies Pending);
      const { account, issuer } = options.label();
      return { secret, uri: generateURI({ issuer, label: account, secret, period: PERIOD_SECONDS }) };
    },

    /** Finishes enrolling with a code from the app; returns the recovery codes, shown once. */
    async confirm(code: string): Promise<{ recoveryCodes: string[] }> {
      throttle();
      const pending = options.store().get<Pending>('step-up-pending');
      if (!pending || now() - pending.createdAt > PENDING_MS) throw new AppError('invalid-request', 'Start again: the set-up took longer than 15 minutes.');
      const step = checkTotp(pending.secret, normalise(code), undefined);
      if (step === null) return failed('wrong');
      const sodium = await options.sodium();
      const codes = Array.from({ length: RECOVERY_CODES }, () => {
        const text = toBase32(sodium.randombytes_buf(7)).slice(0, 10);
        return `${text.slice(0, 5)}-${text.slice(5)}`;
      });
      options.store().put('step-up', { secret: pending.secret, enrolledAt: now(), lastTimeStep: step, recovery: codes.map((c) => ({ hash: hashOf(sodium, c), usedAt: null })) } satisfies StepUpState);
      options.store().put('step-up-pending', null);
      freshUntil = now() + STEP_UP_FRESH_MS;
      failures = 0;
      await options.audit('step-up.enrolled', { recoveryCodes: codes.length });
      return { recoveryCodes: codes };
    },

    /** Checks a code from the app, or a recovery code (used up); root actions are open for five minutes. */
    async verify(code: string): Promise<StepUpStatus> {
      throttle();
      const s = state();
      if (!s) throw new AppError('invalid-request', 'Set up an authenticator app first.');
      const entered = normalise(code);
      const step = checkTotp(s.secret, entered, s.lastTimeStep);
      if (step !== null) {
        options.store().put('step-up', { ...s, lastTimeStep: step } satisfies StepUpState);
        await options.audit('step-up.verified', { with: 'authenticator' });
      } else {
        const hash = hashOf(await options.sodium(), entered);
        const at = s.recovery.findIndex((r) => r.usedAt === null && r.hash === hash);
        if (at < 0 || !/^[A-Z2-7]{10}$/.test(entered)) {
          // A 6-digit code that is right but already used says so in the audit trail.
          const replay = /^\d{6}$/.test(entered) && checkTotp(s.secret, entered, undefined) !== null;
          return failed(replay ? 'replayed' : 'wrong');
        }
        options.store().put('step-up', { ...s, recovery: s.recovery.map((r, i) => (i === at ? { ...r, usedAt: now() } : r)) } satisfies StepUpState);
        await options.audit('step-up.verified', { with: 'recovery-code', left: s.recovery.filter((r) => r.usedAt === null).length - 1 });
      }
      failures = 0;
      freshUntil = now() + STEP_UP_FRESH_MS;
      return status();
    },

    /** Refuses `action` unless a code was given in the last five minutes (or step-up does not apply yet). */
    require,

    /** Locking the account ends the five minutes at once. */
    forget(): void {
      freshUntil = null;
      failures = 0;
    },

    /** For tests and tools: the code the app would show now. */
    codeNow(secret: string, at = now()): string {
      return generateSync({ secret, epoch: Math.floor(at / 1000), period: PERIOD_SECONDS });
    },
  };

  function require(action: string): void {
    const s = status();
    if (!s.required) return;
    if (!s.enrolled) throw new AppError('step-up-required', 'The clinic’s rules ask for an authenticator app for this. Set one up under “Sign-in codes” first.', undefined, undefined, 'enroll');
    if (s.freshUntil === null) throw new AppError('step-up-required', `Enter a code from your authenticator app to ${action === 'audit.export' ? 'export' : 'do this'}.`, undefined, undefined, 'code');
  }
}
export type StepUp = ReturnType<typeof createStepUp>;
