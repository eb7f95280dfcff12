// What the relay does with a parsed frame (ADR 10, ADR 13). The relay cannot read a message,
// but it checks everything it can before storing or forwarding: the clinic root it was bound
// to, every certificate and signature, who may send what to whom, and consent. Who may send
// each request is declared with its schema and enforced here, once; the handlers, one file
// per domain under handlers/, check the rest.
import { type RequestType, requests } from '../shared/protocol/relay-frames';
import { refusalFor } from './audience';
import { type Handler, type Handlers, type RelayCoreOptions, createRelayContext } from './context';
import { alertHandlers } from './handlers/alerts';
import { auditHandlers } from './handlers/audit';
import { cardHandlers } from './handlers/cards';
import { clinicHandlers } from './handlers/clinic';
import { blobHandlers, sweepRetention } from './handlers/blobs';
import { messageHandlers } from './handlers/messages';
import { patientHandlers } from './handlers/patients';
import { shortCodeHandlers } from './handlers/short-codes';
import { staffHandlers } from './handlers/staff';
import { teamHandlers } from './handlers/team';
import { refuse } from './refusal';
import { type Session } from './session';
import { type DeviceRecord } from './store/relay-store';

export { RelayRefusal } from './refusal';
export type { PushKind, Session } from './session';
export type { RelayCoreOptions } from './context';

export type RelayCore = {
  handle(session: Session, type: RequestType, body: unknown): Promise<unknown>;
  attach(session: Session): void;
  detach(session: Session): void;
  /** Removes what the retention rules no longer keep (ADR 19). */
  sweep(): Promise<{ messages: number; blobs: number }>;
};

export function createRelayCore(options: RelayCoreOptions): RelayCore {
  const ctx = createRelayContext(options);
  const handlers: Handlers<RequestType> = {
    ...clinicHandlers(ctx),
    ...staffHandlers(ctx),
    ...patientHandlers(ctx),
    ...shortCodeHandlers(ctx),
    ...cardHandlers(ctx),
    ...messageHandlers(ctx),
    ...blobHandlers(ctx),
    ...alertHandlers(ctx),
    ...auditHandlers(ctx),
    ...teamHandlers(ctx),
  };

  /** Re-reads the session's device so a revocation takes effect on the very next frame. */
  const current = async (session: Session): Promise<DeviceRecord> => {
    if (!session.device) return refuse('not-authenticated', 'Log in first.');
    const device = await ctx.store.getDevice(session.device.deviceId);
    if (!device || device.revokedAt !== null) {
      session.device = null;
      return refuse('revoked', 'This device was removed from the clinic.');
    }
    session.device = device;
    return device;
  };

  return {
    async handle(session, type, body) {
      const audience = requests[type].who;
      let device: DeviceRecord | null = null;
      if (audience !== 'anyone') {
        device = await current(session);
        const refusal = refusalFor(audience, device);
        if (refusal !== null) refuse('forbidden', refusal);
      }
      const handler = handlers[type] as Handler<RequestType>;
      return handler({ session, body: body as never, device: device as never });
    },
    attach(session) {
      ctx.sessions.add(session);
    },
    detach(session) {
      ctx.sessions.delete(session);
    },
    sweep: () => sweepRetention(ctx),
  };
}
