// What an issuer of a one-time code does for its short form (ADR 15): draw a short code,
// seal the long one under it, and send both; a lookup id already taken at the relay
// (`short-code-taken`, rare) means drawing again. Without a short form, one plain send.
import { type CodeKind } from '../../../shared/protocol/codes';
import { type ShortCodeBundle, createShortCode, formatShortCode, sealShortCodeBundle } from '../../../shared/protocol/short-code';
import { type SodiumApi } from '../../../shared/protocol/sodium-api';
import { deriveShortCodeKey } from '../../crypto/kdf';
import { RelayError } from '../relay-connection';

const MAX_DRAWS = 8;

/** Runs `send` with a fresh bundle (or none) until the relay files it; returns the short code printed, or null. */
export async function sendWithShortCode(
  sodium: SodiumApi,
  input: { readonly kind: CodeKind; readonly withShort: boolean; readonly birthDate: string | null; readonly targetId: string; readonly longCode: string },
  send: (bundle: ShortCodeBundle | undefined) => Promise<void>,
): Promise<string | null> {
  for (let draw = 1; ; draw += 1) {
    const short = input.withShort ? createShortCode(sodium, input.kind) : null;
    const bundle = short ? await sealShortCodeBundle(sodium, deriveShortCodeKey, { code: short, birthDate: input.birthDate, targetId: input.targetId, longCode: input.longCode }) : undefined;
    try {
      await send(bundle);
      return short ? formatShortCode(short) : null;
    } catch (error) {
      if (!(error instanceof RelayError && error.code === 'short-code-taken') || draw >= MAX_DRAWS) throw error;
    }
  }
}
