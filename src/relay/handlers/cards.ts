// Patient cards (ADR 12): the patient's names as the front desk registered them, an envelope
// sealed to the records key and the registrars' devices, kept newest per patient, unread.
import { type Envelope } from '../../shared/protocol/envelope';
import { CARD_SCOPE } from '../../shared/protocol/patient-card';
import { isRegistrar } from '../audience';
import { type Handlers, type RelayContext } from '../context';
import { refuse } from '../refusal';

export function cardHandlers(ctx: RelayContext): Handlers<'card.publish' | 'card.list'> {
  const { store, log } = ctx;
  return {
    'card.publish': async ({ body, device: registrar }) => {
      const envelope = ctx.signedEnvelopeFrom(registrar, body.card);
      const header = envelope.header;
      if (header.scope !== CARD_SCOPE) refuse('invalid', 'A patient card must carry the patient-card scope.');
      if (header.conversationId !== header.patientId) refuse('invalid', 'A patient card is named after its patient.');
      ctx.checkClock(header.sentAt, 'card');
      await ctx.checkRecordsEpoch(envelope);
      for (const to of envelope.sealedKeys.keys()) {
        if (to.startsWith('records:')) continue;
        const recipient = await store.getDevice(to);
        if (!recipient || !isRegistrar(recipient)) refuse('invalid', 'A patient card is sealed only to the records key and to active front desk or IT admin devices.');
      }
      if (!(await store.getConsent(header.patientId))) refuse('not-found', 'Publish the patient’s consent before their card.');
      const stored = await store.putCard({ patientId: header.patientId, sentAt: header.sentAt, cardJson: JSON.stringify(body.card) });
      if (!stored) return refuse('conflict', 'A newer card of this patient is already stored.');
      log.info('card.stored');
      // A hint to sync (cards are fetched with each sync), not a directory change.
      ctx.notify('sync', 0, (d) => d.kind === 'staff');
      return stored;
    },

    'card.list': async ({ body }) => {
      const limit = body.limit ?? 500;
      const rows = await store.listCards(body.after, limit + 1);
      return { cards: rows.slice(0, limit).map((r) => ({ cardSeq: r.cardSeq, card: JSON.parse(r.cardJson) as Envelope })), more: rows.length > limit };
    },
  };
}
