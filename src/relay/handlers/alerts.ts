// Alerts for IT (ADR 16): a staff device that finds something wrong (today: the portal the
// relay serves is not the one IT vouched for) signs an alert; the relay checks the signature
// is the sender's, stores it once and tells the IT admins' devices at once. A relay that was
// broken into could drop alerts: each IT admin computer runs the same check itself.
import { PREFIX } from '../../shared/protocol/documents';
import { signedStaffAlertSchema } from '../../shared/protocol/relay-frames';
import { DAY, type Handlers, type RelayContext } from '../context';
import { refuse } from '../refusal';

/** At most this many alerts per device and day: enough for every real finding, not a flood. */
export const ALERTS_PER_DEVICE_PER_DAY = 24;
const LIST_LIMIT = 500;

export function alertHandlers(ctx: RelayContext): Handlers<'alert.raise' | 'alert.list'> {
  const { store, now } = ctx;
  return {
    'alert.raise': async ({ body, device }) => {
      const binding = await ctx.clinicOrRefuse();
      const alert = ctx.signedBy(PREFIX.staffAlert, body.alert, device.signingKey, 'alert');
      ctx.checkClinic(binding, alert.clinicId);
      if (alert.deviceId !== device.deviceId) refuse('forbidden', 'An alert must be raised by the device that sends it.');
      ctx.checkClock(alert.raisedAt, 'alert');
      if ((await store.countStaffAlerts(device.deviceId, now() - DAY)) >= ALERTS_PER_DEVICE_PER_DAY) {
        refuse('rate-limited', 'This computer has raised many alerts today; the IT admins already have them.');
      }
      const stored = await store.putStaffAlert({ alertId: alert.alertId, deviceId: device.deviceId, alertJson: JSON.stringify(body.alert), createdAt: now() });
      if (stored) {
        ctx.log.warn('alert.raised', { code: alert.kind, count: alert.differences.length });
        ctx.notify('alerts', stored.alertSeq, (d) => d.kind === 'staff' && d.role === 'it-admin' && d.revokedAt === null);
      }
      return { stored: stored !== null };
    },

    'alert.list': async ({ body }) => {
      const rows = await store.listStaffAlerts(body.after, LIST_LIMIT + 1);
      return {
        alerts: rows.slice(0, LIST_LIMIT).map((row) => ({ alertSeq: row.alertSeq, alert: ctx.parseJson(signedStaffAlertSchema, row.alertJson) })),
        more: rows.length > LIST_LIMIT,
      };
    },
  };
}
