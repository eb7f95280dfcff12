// Alerts for IT (ADR 16): this device signs what it found wrong and sends it through the
// relay; an IT admin's device lists the alerts and keeps only those whose signature is a
// current staff device's. The relay stores them unread and pushes `alerts` to IT admins.
import { PREFIX, type StaffAlert, staffAlertSchema } from '../../../shared/protocol/documents';
import { type PortalDifference } from '../../../shared/protocol/portal-files';
import { hasValidSignature, signDocument } from '../../../shared/protocol/signed';
import { type ClientContext } from './context';
import { randomId } from './identity';

/** An alert whose signature was checked, with the device that raised it. */
export type VerifiedAlert = StaffAlert & { readonly alertSeq: number };

export class StaffAlerts {
  constructor(private readonly ctx: ClientContext) {}

  /** Signs and sends an alert that the portal differs; false when the relay already held it. */
  async raisePortalMismatch(input: { vouchedAt: number; differences: readonly PortalDifference[] }): Promise<{ alertId: string; stored: boolean }> {
    const id = this.ctx.identity.current();
    const alertId = randomId(this.ctx.sodium, 'a');
    const alert = signDocument(
      this.ctx.sodium,
      PREFIX.staffAlert,
      staffAlertSchema,
      { v: 1, clinicId: id.clinicId, alertId, deviceId: id.deviceId, raisedAt: this.ctx.now(), kind: 'portal-mismatch', vouchedAt: input.vouchedAt, differences: input.differences.map((d) => ({ path: d.path, problem: d.problem })) },
      this.ctx.identity.keys().signing.privateKey,
    );
    const { stored } = await (await this.ctx.session.relay()).request('alert.raise', { alert });
    return { alertId, stored };
  }

  /** Alerts after `after` (an alertSeq), each checked against its device's key; others dropped. */
  async list(after: number): Promise<{ alerts: VerifiedAlert[]; last: number }> {
    const relay = await this.ctx.session.relay();
    const directory = await this.ctx.directory.verified();
    const clinicId = this.ctx.identity.current().clinicId;
    const alerts: VerifiedAlert[] = [];
    let last = after;
    for (;;) {
      const page = await relay.request('alert.list', { after: last });
      for (const { alertSeq, alert } of page.alerts) {
        last = Math.max(last, alertSeq);
        const device = directory.devices.get(alert.document.deviceId);
        if (!device || device.kind !== 'staff' || alert.document.clinicId !== clinicId) continue;
        if (!hasValidSignature(this.ctx.sodium, PREFIX.staffAlert, alert, device.signingKey)) continue;
        alerts.push({ ...alert.document, alertSeq });
      }
      if (!page.more || page.alerts.length === 0) return { alerts, last };
    }
  }
}
