import type { Caller, StaffRole } from '../../shared/roles';
import type { AppliedSecurity, LockReason, SessionStatus } from '../../shared/profiles';
import { loadSodium } from '../crypto/sodium';
import type { Logger } from '../log';
import { sameSecurity, strictestSecurity } from './applied-security';
import type { DeviceKeystore } from './device-keystore';
import type { OpenedProfile } from './profile-manager';

/** How long this computer has had no keyboard or mouse input, in seconds. */
export type IdleSource = () => number;

/**
 * The one unlocked profile, if any. Locking closes its database, wipes the key material
 * main holds (the profile key; derived keys are wiped as soon as they are used), and tells
 * the renderer, which drops every piece of profile data it holds.
 */
export function createSession(options: {
  keystore: DeviceKeystore;
  log: Logger;
  emit: (status: SessionStatus) => void;
}) {
  let current: OpenedProfile | null = null;
  /** The staff role of the unlocked profile in its clinic, once it has joined one. */
  let roleOf: () => StaffRole | null = () => null;
  const listeners = new Set<(profile: OpenedProfile | null) => void | Promise<void>>();
  const notify = async (profile: OpenedProfile | null): Promise<void> => {
    for (const listener of listeners) {
      try {
        await listener(profile);
      } catch (error) {
        options.log.error('session.listener-failed', { kind: error instanceof Error ? error.name : 'unknown' });
      }
    }
  };
  let lastLockReason: LockReason | null = null;
  let lastProfileId: string | null = null;
  /** The settings in force for the unlocked account (the clinic service applies its rules). */
  let security: AppliedSecurity = strictestSecurity;
  const securityListeners = new Set<(security: AppliedSecurity) => void | Promise<void>>();

  function status(): SessionStatus {
    if (!current) return { state: 'signed-out', lockReason: lastLockReason, lastProfileId };
    const keystore = options.keystore.status();
    return {
      state: 'unlocked',
      profile: current.summary,
      clinicRole: roleOf(),
      security,
      keystore: keystore.available ? { available: true } : { available: false, reason: keystore.reason },
    };
  }

  async function lock(reason: LockReason): Promise<SessionStatus> {
    const profile = current;
    if (!profile) return status();
    current = null;
    lastLockReason = reason;
    lastProfileId = profile.summary.id;
    await notify(null);
    try {
      profile.db.close();
    } catch (error) {
      options.log.error('session.close-failed', { kind: error instanceof Error ? error.name : 'unknown' });
    }
    (await loadSodium()).memzero(profile.profileKey);
    options.log.info('session.locked', { reason });
    const next = status();
    options.emit(next);
    return next;
  }

  async function begin(profile: OpenedProfile): Promise<SessionStatus> {
    if (current) await lock('manual');
    current = profile;
    // Nothing carries over from another account: its own clinic's rules apply once read.
    security = strictestSecurity;
    lastLockReason = null;
    await notify(profile);
    const next = status();
    options.emit(next);
    return next;
  }

  /** Polls the idle source; locks once the computer has been idle for the set time. */
  function watchIdle(idle: IdleSource, intervalMs = 15_000): () => void {
    const timer = setInterval(() => {
      if (current && idle() >= security.idleLockMinutes * 60) void lock('idle');
    }, intervalMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }

  return {
    status,
    lock,
    begin,
    watchIdle,
    /** The unlocked profile, or null. */
    current: () => current,
    updateSummary(summary: OpenedProfile['summary']) {
      if (current) current = { ...current, summary };
    },
    caller: (): Caller => (current ? (roleOf() ?? 'unenrolled') : 'signed-out'),
    /** Tells the session where the unlocked profile's clinic role comes from. */
    setRoleSource(source: () => StaffRole | null) {
      roleOf = source;
    },
    /** Called with the profile when one is unlocked, and with null before it is locked. */
    onProfile(listener: (profile: OpenedProfile | null) => void | Promise<void>): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** The security settings in force now. */
    security: (): AppliedSecurity => security,
    /**
     * Puts settings in force (from a verified policy, or the strictest ones), tells the
     * listeners (e.g. to forget this computer's key) and then the renderer.
     */
    async applySecurity(next: AppliedSecurity): Promise<void> {
      if (!current) return;
      const changed = !sameSecurity(security, next);
      security = next;
      for (const listener of securityListeners) {
        try {
          await listener(next);
        } catch (error) {
          options.log.error('session.security-listener-failed', { kind: error instanceof Error ? error.name : 'unknown' });
        }
      }
      if (changed) {
        options.log.info('session.security-applied', { source: next.source, idleLockMinutes: next.idleLockMinutes });
        options.emit(status());
      }
    },
    /** Called each time settings are put in force. */
    onSecurity(listener: (security: AppliedSecurity) => void | Promise<void>): () => void {
      securityListeners.add(listener);
      return () => securityListeners.delete(listener);
    },
    /** Tells the renderer again, e.g. after the profile's clinic role changed. */
    refresh() {
      options.emit(status());
    },
  };
}

export type Session = ReturnType<typeof createSession>;
