import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { type ConsentScope, consentAllows, consentScopes } from '../protocol/documents';
import {
  applyConsentEvent,
  CLOCK_SKEW_MS,
  type ConsentEvent,
  type ConsentSnapshot,
  ConsentTransitionError,
  identityReverificationDue,
  registerStatus,
  renewalDue,
  toConsentStatus,
} from './state';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.UTC(2026, 0, 15, 9, 0);
const NOW = T0 + 1000 * DAY;

const grant = (at: number, scopes: readonly ConsentScope[] = ['clinical', 'reminders'], expiresAt: number | null = at + 365 * DAY): ConsentEvent => ({
  type: 'grant',
  at,
  scopes,
  expiresAt,
  identityVerifiedAt: at - 60_000,
});

function run(events: readonly ConsentEvent[], now = NOW): ConsentSnapshot {
  let s: ConsentSnapshot | null = null;
  for (const e of events) s = applyConsentEvent(s, e, now);
  if (!s) throw new Error('no events');
  return s;
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ConsentTransitionError);
    const e = error as ConsentTransitionError;
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.name).toBe('ConsentTransitionError');
    return e.code;
  }
  throw new Error('expected a ConsentTransitionError');
}

// The four states every event is tried from.
const granted = () => run([grant(T0)]);
const grantedExpired = () => run([grant(T0, ['clinical'], T0 + 10 * DAY)]); // judged at T0 + 20 days below
const withdrawn = () => run([grant(T0), { type: 'withdraw', at: T0 + DAY }]);
const later = T0 + 20 * DAY;

describe('consent state: grant', () => {
  it('from none: version 1, granted, normalised scopes, not enrolled', () => {
    const s = applyConsentEvent(null, grant(T0, ['reminders', 'clinical', 'reminders']), NOW);
    expect(s).toEqual({
      version: 1,
      status: 'granted',
      scopes: ['clinical', 'reminders'],
      signedAt: T0,
      expiresAt: T0 + 365 * DAY,
      identityVerifiedAt: T0 - 60_000,
      enrolled: false,
    });
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.scopes)).toBe(true);
    expect(applyConsentEvent(null, grant(T0, ['clinical'], null), NOW).expiresAt).toBeNull();
  });

  it('from granted: refused while valid', () => {
    expect(refusal(() => applyConsentEvent(granted(), grant(T0 + DAY), NOW))).toBe('already-granted');
  });

  it('from granted but expired: a new consent, keeping the enrollment', () => {
    const enrolled = applyConsentEvent(grantedExpired(), { type: 'enrolled', at: T0 + DAY }, NOW);
    const s = applyConsentEvent(enrolled, grant(later, ['newsletters']), NOW);
    expect(s).toMatchObject({ version: 3, status: 'granted', scopes: ['newsletters'], signedAt: later, enrolled: true });
  });

  it('from withdrawn: a new consent, which must be enrolled again', () => {
    const w = run([grant(T0), { type: 'enrolled', at: T0 }, { type: 'withdraw', at: T0 + DAY }]);
    const s = applyConsentEvent(w, grant(later), NOW);
    expect(s).toMatchObject({ version: 4, status: 'granted', scopes: ['clinical', 'reminders'], enrolled: false });
    expect(registerStatus(s, later)).toBe('pending-enrollment');
  });

  it('refuses no scope, unknown scopes, an expiry not after signing, identity checked after signing', () => {
    expect(refusal(() => applyConsentEvent(null, grant(T0, []), NOW))).toBe('no-scope');
    expect(refusal(() => applyConsentEvent(null, grant(T0, ['sms' as ConsentScope]), NOW))).toBe('unknown-scope');
    expect(refusal(() => applyConsentEvent(null, grant(T0, ['clinical'], T0), NOW))).toBe('bad-expiry');
    expect(refusal(() => applyConsentEvent(null, grant(T0, ['clinical'], T0 - 1), NOW))).toBe('bad-expiry');
    expect(refusal(() => applyConsentEvent(null, { ...grant(T0), identityVerifiedAt: T0 + 1 } as ConsentEvent, NOW))).toBe('bad-identity');
  });
});

describe('consent state: change-scopes', () => {
  it('from granted: new scopes, same expiry and enrollment', () => {
    const before = run([grant(T0), { type: 'enrolled', at: T0 }]);
    const s = applyConsentEvent(before, { type: 'change-scopes', at: T0 + DAY, scopes: ['attachments', 'clinical'] }, NOW);
    expect(s).toMatchObject({ version: 3, scopes: ['clinical', 'attachments'], expiresAt: before.expiresAt, enrolled: true, signedAt: T0 + DAY });
    expect(before.scopes).toEqual(['clinical', 'reminders']); // the previous snapshot is untouched
  });

  it('refuses: no record, withdrawn, expired, empty (withdraw instead), unchanged', () => {
    const change = (at: number, scopes: ConsentScope[] = ['clinical']): ConsentEvent => ({ type: 'change-scopes', at, scopes });
    expect(refusal(() => applyConsentEvent(null, change(T0), NOW))).toBe('not-granted');
    expect(refusal(() => applyConsentEvent(withdrawn(), change(later), NOW))).toBe('not-granted');
    expect(refusal(() => applyConsentEvent(grantedExpired(), change(later, ['reminders']), NOW))).toBe('expired');
    expect(refusal(() => applyConsentEvent(granted(), change(T0 + DAY, []), NOW))).toBe('no-scope');
    expect(refusal(() => applyConsentEvent(granted(), change(T0 + DAY, ['reminders', 'clinical']), NOW))).toBe('no-change');
  });
});

describe('consent state: withdraw', () => {
  it('from granted, and from granted but expired: withdrawn, no scope, not enrolled', () => {
    for (const from of [granted(), grantedExpired()]) {
      const s = applyConsentEvent(from, { type: 'withdraw', at: later }, NOW);
      expect(s).toMatchObject({ version: 2, status: 'withdrawn', scopes: [], enrolled: false, signedAt: later });
    }
  });

  it('refuses from none and from withdrawn', () => {
    expect(refusal(() => applyConsentEvent(null, { type: 'withdraw', at: T0 }, NOW))).toBe('not-granted');
    expect(refusal(() => applyConsentEvent(withdrawn(), { type: 'withdraw', at: later }, NOW))).toBe('not-granted');
  });
});

describe('consent state: renew', () => {
  it('from granted, and from granted but expired: a new expiry', () => {
    for (const from of [granted(), grantedExpired()]) {
      const s = applyConsentEvent(from, { type: 'renew', at: later, expiresAt: later + 365 * DAY }, NOW);
      expect(s).toMatchObject({ version: 2, status: 'granted', scopes: from.scopes, expiresAt: later + 365 * DAY });
      expect(registerStatus(s, later)).toBe('pending-enrollment');
    }
  });

  it('refuses from none and withdrawn, and an expiry not after the renewal', () => {
    expect(refusal(() => applyConsentEvent(null, { type: 'renew', at: T0, expiresAt: T0 + DAY }, NOW))).toBe('not-granted');
    expect(refusal(() => applyConsentEvent(withdrawn(), { type: 'renew', at: later, expiresAt: later + DAY }, NOW))).toBe('not-granted');
    expect(refusal(() => applyConsentEvent(grantedExpired(), { type: 'renew', at: later, expiresAt: later }, NOW))).toBe('bad-expiry');
    expect(refusal(() => applyConsentEvent(granted(), { type: 'renew', at: later, expiresAt: Number.NaN }, NOW))).toBe('bad-expiry');
  });
});

describe('consent state: reverify-identity and enrolled', () => {
  it('from granted and from granted but expired', () => {
    for (const from of [granted(), grantedExpired()]) {
      expect(applyConsentEvent(from, { type: 'reverify-identity', at: later }, NOW)).toMatchObject({ version: 2, identityVerifiedAt: later, scopes: from.scopes });
      expect(applyConsentEvent(from, { type: 'enrolled', at: later }, NOW)).toMatchObject({ version: 2, enrolled: true, scopes: from.scopes });
    }
    // A patient with a new device may enroll again.
    const twice = run([grant(T0), { type: 'enrolled', at: T0 }, { type: 'enrolled', at: T0 + DAY }]);
    expect(twice).toMatchObject({ version: 3, enrolled: true });
  });

  it('refuses from none and from withdrawn', () => {
    for (const type of ['reverify-identity', 'enrolled'] as const) {
      expect(refusal(() => applyConsentEvent(null, { type, at: T0 }, NOW))).toBe('not-granted');
      expect(refusal(() => applyConsentEvent(withdrawn(), { type, at: later }, NOW))).toBe('not-granted');
    }
  });
});

describe('consent state: time', () => {
  it('refuses an event dated before the current record, in the future, or not a valid time', () => {
    const s = run([grant(T0), { type: 'enrolled', at: T0 + DAY }]);
    expect(refusal(() => applyConsentEvent(s, { type: 'withdraw', at: T0 + DAY - 1 }, NOW))).toBe('time-goes-back');
    expect(applyConsentEvent(s, { type: 'withdraw', at: T0 + DAY }, NOW).status).toBe('withdrawn');
    expect(refusal(() => applyConsentEvent(s, { type: 'withdraw', at: NOW + CLOCK_SKEW_MS + 1 }, NOW))).toBe('in-the-future');
    expect(applyConsentEvent(s, { type: 'withdraw', at: NOW + CLOCK_SKEW_MS }, NOW).status).toBe('withdrawn');
    expect(refusal(() => applyConsentEvent(s, { type: 'withdraw', at: Number.NaN }, NOW))).toBe('bad-time');
    expect(refusal(() => applyConsentEvent(s, { type: 'withdraw', at: 1.5 }, NOW))).toBe('bad-time');
    expect(refusal(() => applyConsentEvent(s, { type: 'shred', at: NOW } as unknown as ConsentEvent, NOW))).toBe('unknown-event');
  });

  it('judges expiry at the event time: a change the instant before expiry is fine, at expiry it is refused', () => {
    const s = grantedExpired();
    const expiry = s.expiresAt!;
    expect(applyConsentEvent(s, { type: 'change-scopes', at: expiry - 1, scopes: ['reminders'] }, NOW).scopes).toEqual(['reminders']);
    expect(refusal(() => applyConsentEvent(s, { type: 'change-scopes', at: expiry, scopes: ['reminders'] }, NOW))).toBe('expired');
    expect(refusal(() => applyConsentEvent(s, grant(expiry - 1), NOW))).toBe('already-granted');
    expect(applyConsentEvent(s, grant(expiry), NOW).version).toBe(2);
  });
});

describe('consent state: register status', () => {
  it('gives each status', () => {
    expect(registerStatus(null, NOW)).toBe('none');
    expect(registerStatus(withdrawn(), later)).toBe('withdrawn');
    expect(registerStatus(granted(), T0)).toBe('pending-enrollment');
    const enrolled = run([grant(T0), { type: 'enrolled', at: T0 }]);
    expect(registerStatus(enrolled, T0 + DAY)).toBe('active');
    expect(registerStatus(enrolled, enrolled.expiresAt! - 1)).toBe('active');
    expect(registerStatus(enrolled, enrolled.expiresAt!)).toBe('expired');
    const notEnrolledExpired = grantedExpired();
    expect(registerStatus(notEnrolledExpired, later)).toBe('expired');
    const partial = run([grant(T0, ['reminders', 'newsletters', 'attachments']), { type: 'enrolled', at: T0 }]);
    expect(registerStatus(partial, T0 + DAY)).toBe('partial');
    const narrowed = applyConsentEvent(enrolled, { type: 'change-scopes', at: T0 + DAY, scopes: ['reminders'] }, NOW);
    expect(registerStatus(narrowed, T0 + DAY)).toBe('partial');
    const noExpiry = run([grant(T0, ['clinical'], null), { type: 'enrolled', at: T0 }]);
    expect(registerStatus(noExpiry, Number.MAX_SAFE_INTEGER)).toBe('active');
  });
});

describe('consent state: renewal and re-verification', () => {
  it('renewal is due within the notice period or after expiry, only for granted consent with an expiry', () => {
    const s = granted(); // expires T0 + 365 days
    const expiry = s.expiresAt!;
    expect(renewalDue(s, expiry - 31 * DAY)).toBe(false);
    expect(renewalDue(s, expiry - 30 * DAY)).toBe(true);
    expect(renewalDue(s, expiry + DAY)).toBe(true);
    expect(renewalDue(s, expiry - 60 * DAY, 90)).toBe(true);
    expect(renewalDue(s, expiry - 60 * DAY, 7)).toBe(false);
    expect(renewalDue(run([grant(T0, ['clinical'], null)]), NOW)).toBe(false);
    expect(renewalDue(withdrawn(), NOW + 1000 * DAY)).toBe(false);
    expect(renewalDue(null, NOW)).toBe(false);
  });

  it('identity re-verification is due after maxAgeDays, and resets when re-verified', () => {
    const s = granted(); // identity checked at T0 - 1 minute
    const checked = s.identityVerifiedAt;
    expect(identityReverificationDue(s, checked + 364 * DAY)).toBe(false);
    expect(identityReverificationDue(s, checked + 365 * DAY)).toBe(true);
    expect(identityReverificationDue(s, checked + 31 * DAY, 30)).toBe(true);
    const again = applyConsentEvent(s, { type: 'reverify-identity', at: T0 + 365 * DAY }, NOW);
    expect(identityReverificationDue(again, T0 + 366 * DAY)).toBe(false);
    expect(identityReverificationDue(withdrawn(), NOW + 1000 * DAY)).toBe(false);
    expect(identityReverificationDue(null, NOW)).toBe(false);
  });
});

describe('consent state: the signed consent status', () => {
  it('lists the active scopes and expiry; nothing once withdrawn; an expired consent stops by its own expiry', () => {
    const s = run([grant(T0, ['attachments', 'clinical']), { type: 'enrolled', at: T0 }]);
    expect(toConsentStatus(s, T0)).toEqual({ activeScopes: ['clinical', 'attachments'], expiresAt: s.expiresAt });
    expect(toConsentStatus(withdrawn(), later).activeScopes).toEqual([]);
    expect(toConsentStatus(null, NOW)).toEqual({ activeScopes: [], expiresAt: null });
    const expired = grantedExpired();
    const status = { v: 1 as const, clinicId: 'c', patientId: 'p', version: expired.version, issuedBy: 'i', issuedAt: T0, ...toConsentStatus(expired, later) };
    expect(consentAllows(status, 'clinical', T0 + DAY)).toBe(true);
    expect(consentAllows(status, 'clinical', later)).toBe(false);
    // The result is a copy: changing it never changes the snapshot.
    toConsentStatus(s, T0).activeScopes.push('newsletters');
    expect(s.scopes).toEqual(['clinical', 'attachments']);
  });
});

// ---------------------------------------------------------------------------------------
// Property: any sequence of events either is refused or moves one version at a time, and
// every snapshot keeps the invariants.

const scopesArb = fc.subarray([...consentScopes]);
const stepArb = fc.integer({ min: 0, max: 200 * DAY });
const eventArb: fc.Arbitrary<(at: number) => ConsentEvent> = fc.oneof(
  fc
    .tuple(scopesArb, fc.option(fc.integer({ min: -DAY, max: 800 * DAY }), { nil: null }), fc.integer({ min: -DAY, max: 400 * DAY }))
    .map(([scopes, expiry, idAge]) => (at: number): ConsentEvent => ({ type: 'grant', at, scopes, expiresAt: expiry === null ? null : at + expiry, identityVerifiedAt: Math.max(0, at - idAge) })),
  scopesArb.map((scopes) => (at: number): ConsentEvent => ({ type: 'change-scopes', at, scopes })),
  fc.constant((at: number): ConsentEvent => ({ type: 'withdraw', at })),
  fc.integer({ min: -DAY, max: 800 * DAY }).map((d) => (at: number): ConsentEvent => ({ type: 'renew', at, expiresAt: at + d })),
  fc.constant((at: number): ConsentEvent => ({ type: 'reverify-identity', at })),
  fc.constant((at: number): ConsentEvent => ({ type: 'enrolled', at })),
);

function checkInvariants(s: ConsentSnapshot): void {
  if (s.status === 'withdrawn') {
    expect(s.scopes).toEqual([]);
    expect(s.enrolled).toBe(false);
  } else {
    expect(s.status).toBe('granted');
    expect(s.scopes.length).toBeGreaterThanOrEqual(1);
  }
  expect(new Set(s.scopes).size).toBe(s.scopes.length);
  expect(consentScopes.filter((x) => s.scopes.includes(x))).toEqual([...s.scopes]);
  if (s.status === 'granted') expect(s.identityVerifiedAt).toBeLessThanOrEqual(s.signedAt);
  expect(toConsentStatus(s, s.signedAt).activeScopes.length === 0).toBe(s.status === 'withdrawn');
  expect(['none', 'withdrawn', 'expired', 'pending-enrollment', 'active', 'partial']).toContain(registerStatus(s, s.signedAt));
}

describe('consent state: any sequence of events', () => {
  it('is refused with a ConsentTransitionError or yields version + 1 with the invariants kept', () => {
    const applied = new Set<string>();
    const refused = new Set<string>();
    fc.assert(
      fc.property(fc.array(fc.tuple(eventArb, fc.oneof(stepArb, fc.integer({ min: -DAY, max: 0 }))), { maxLength: 25 }), (steps) => {
        let current: ConsentSnapshot | null = null;
        let at = T0;
        for (const [make, step] of steps) {
          at = Math.max(0, at + step);
          const now = at + 1000;
          const event = make(at);
          let nextSnapshot: ConsentSnapshot;
          try {
            nextSnapshot = applyConsentEvent(current, event, now);
          } catch (error) {
            expect(error).toBeInstanceOf(ConsentTransitionError);
            refused.add((error as ConsentTransitionError).code);
            continue;
          }
          applied.add(event.type);
          expect(nextSnapshot.version).toBe((current?.version ?? 0) + 1);
          expect(nextSnapshot.signedAt).toBe(at);
          if (current) expect(nextSnapshot.signedAt).toBeGreaterThanOrEqual(current.signedAt);
          checkInvariants(nextSnapshot);
          current = nextSnapshot;
        }
      }),
      // A fixed seed: the coverage check below must not depend on the luck of one run.
      { numRuns: 300, seed: 20261206 },
    );
    // The sequences reach every transition and most refusals, not only the first grant.
    expect([...applied].sort()).toEqual(['change-scopes', 'enrolled', 'grant', 'renew', 'reverify-identity', 'withdraw']);
    for (const code of ['not-granted', 'already-granted', 'no-scope', 'expired', 'bad-expiry', 'time-goes-back']) expect(refused).toContain(code);
  });
});
