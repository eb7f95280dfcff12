// Who may send each request: declared once beside its schema (`requests[type].who` in
// src/shared/protocol/relay-frames.ts) and enforced here, once, before any handler runs, as
// the app's router does with roles. A handler never checks the sender's role by hand.
import { type Audience } from '../shared/protocol/relay-frames';
import { type DeviceRecord } from './store/relay-store';

const READER_ROLES: ReadonlySet<string> = new Set(['clinician', 'it-admin']);
const REGISTRAR_ROLES: ReadonlySet<string> = new Set(['front-desk', 'it-admin']);

const staffWith = (device: DeviceRecord, roles: ReadonlySet<string>): boolean => device.kind === 'staff' && device.revokedAt === null && roles.has(device.role ?? '');

/** A holder of the records key: an active clinician or IT admin. */
export const isReader = (device: DeviceRecord): boolean => staffWith(device, READER_ROLES);
/** Someone who records patients and consent: an active front desk or IT admin device. */
export const isRegistrar = (device: DeviceRecord): boolean => staffWith(device, REGISTRAR_ROLES);

/** Whether a logged-in device may read this patient's conversation. */
export const canSee = (device: DeviceRecord, patientId: string): boolean => (device.kind === 'patient' ? device.patientId === patientId : isReader(device));

type Rule = { readonly allows: (device: DeviceRecord) => boolean; readonly refusal: string };

const rules: Record<Exclude<Audience, 'anyone'>, Rule> = {
  device: { allows: () => true, refusal: '' },
  staff: { allows: (d) => d.kind === 'staff', refusal: 'Only clinic staff can do this.' },
  reader: { allows: isReader, refusal: 'Only clinicians and IT admins can do this.' },
  writer: { allows: (d) => d.kind === 'patient' || isReader(d), refusal: 'Front desk devices do not send or receive messages.' },
  registrar: { allows: isRegistrar, refusal: 'Only front desk and IT admins can do this.' },
  'it-admin': { allows: (d) => staffWith(d, new Set(['it-admin'])), refusal: 'Only IT admins can do this.' },
  patient: { allows: (d) => d.kind === 'patient', refusal: 'Only a patient’s own device can do this.' },
};

/** Null when the device may send a request of this audience, else the plain refusal. */
export function refusalFor(audience: Exclude<Audience, 'anyone'>, device: DeviceRecord): string | null {
  const rule = rules[audience];
  return rule.allows(device) ? null : rule.refusal;
}
