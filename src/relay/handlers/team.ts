// Care-team events (ADR 17): assignments, covering, shared read state, "handled another way"
// and the names IT gives staff devices. The relay checks only the outside: signed by the
// sending clinician or IT admin device, sealed to the records key in force and nothing else,
// naming no patient, small, on time. It stores the ciphertext once per event id and hints the
// other readers to fetch it; it cannot read who was assigned to what.
import { canonicalBytes } from '../../shared/protocol/canonical';
import { careTeamShapeProblem } from '../../shared/protocol/care-team';
import { envelopeSchema } from '../../shared/protocol/envelope';
import { isReader } from '../audience';
import { type Handlers, type RelayContext } from '../context';
import { refuse } from '../refusal';

const LIST_LIMIT = 500;

export function teamHandlers(ctx: RelayContext): Handlers<'team.publish' | 'team.list'> {
  const { store, sodium, now } = ctx;
  return {
    'team.publish': async ({ session, body, device }) => {
      const envelope = ctx.signedEnvelopeFrom(device, body.event);
      const problem = careTeamShapeProblem(envelope);
      if (problem !== null) refuse('invalid', problem);
      ctx.checkClock(envelope.header.sentAt, 'care-team event');
      await ctx.checkRecordsEpoch(envelope);
      const outcome = await store.appendTeamEvent({
        eventId: envelope.header.messageId,
        senderDeviceId: device.deviceId,
        envelopeJson: JSON.stringify(body.event),
        digest: sodium.crypto_generichash(32, canonicalBytes(body.event), null),
        receivedAt: now(),
      });
      if (outcome.kind === 'conflict') return refuse('conflict', 'Another care-team event already uses this id.');
      if (outcome.kind === 'stored') {
        ctx.log.info('team.stored');
        ctx.notify('sync', 0, isReader, session);
      }
      return { teamSeq: outcome.teamSeq, duplicate: outcome.kind === 'duplicate' };
    },

    'team.list': async ({ body }) => {
      const limit = body.limit ?? LIST_LIMIT;
      const rows = await store.listTeamEvents(body.after, limit + 1);
      return {
        events: rows.slice(0, limit).map((row) => ({ teamSeq: row.teamSeq, event: ctx.parseJson(envelopeSchema, row.envelopeJson) })),
        more: rows.length > limit,
      };
    },
  };
}
