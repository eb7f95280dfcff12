// Who may say what in the care team (ADR 17): the same rules when this device writes an event
// and when it receives one (the relay cannot read events, so it cannot check them).
import { describe, expect, it } from 'vitest';

import { type VerifiedDevice } from '../../../shared/protocol/directory';
import { eventProblem, nameFromStaffId } from './care-team';

describe('care-team rules', () => {
  it('lets only clinicians and IT admins speak, assigns and covers only to active clinicians, names only from IT', () => {
    const staff = (deviceId: string, role: VerifiedDevice['role']): [string, VerifiedDevice] => [deviceId, { deviceId, kind: 'staff', role, patientId: null, signingKey: new Uint8Array(32), boxKey: new Uint8Array(32) }];
    const devices = new Map([staff('dLee', 'clinician'), staff('dSam', 'clinician'), staff('dIt', 'it-admin'), staff('dDesk', 'front-desk')]);
    expect(eventProblem({ v: 1, kind: 'assign', conversationId: 'pA', to: 'dSam' }, 'dLee', devices)).toBeNull();
    expect(eventProblem({ v: 1, kind: 'assign', conversationId: 'pA', to: 'dSam' }, 'dIt', devices)).toBeNull();
    expect(eventProblem({ v: 1, kind: 'assign', conversationId: 'pA', to: 'dSam' }, 'dDesk', devices)).toMatch(/Only clinicians and IT admins/);
    expect(eventProblem({ v: 1, kind: 'assign', conversationId: 'pA', to: 'dDesk' }, 'dLee', devices)).toMatch(/active clinician/);
    expect(eventProblem({ v: 1, kind: 'assign', conversationId: 'pA', to: 'dIt' }, 'dLee', devices)).toMatch(/active clinician/);
    expect(eventProblem({ v: 1, kind: 'assign', conversationId: 'pA', to: 'dRevoked' }, 'dLee', devices)).toMatch(/active clinician/);
    expect(eventProblem({ v: 1, kind: 'away', until: '2026-12-09', covering: 'dLee' }, 'dLee', devices)).toMatch(/other than yourself/);
    expect(eventProblem({ v: 1, kind: 'away', until: '2026-12-09', covering: 'dIt' }, 'dLee', devices)).toMatch(/active clinician/);
    expect(eventProblem({ v: 1, kind: 'away', until: '2026-12-09', covering: 'dSam' }, 'dIt', devices)).toMatch(/Only a clinician/);
    expect(eventProblem({ v: 1, kind: 'roster', deviceId: 'dLee', displayName: 'Dr Evil' }, 'dSam', devices)).toMatch(/Only an IT admin/);
    expect(eventProblem({ v: 1, kind: 'roster', deviceId: 'dLee', displayName: 'Dr Lee' }, 'dIt', devices)).toBeNull();
  });

  it('names a colleague from their staff id until IT names the device', () => {
    expect(nameFromStaffId('ana-martin-k3j2x9q1')).toBe('ana martin');
    expect(nameFromStaffId('staff-sam')).toBe('staff sam');
  });
});
