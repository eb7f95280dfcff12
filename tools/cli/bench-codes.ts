// npm run bench -- --only codes: the cost of guessing a short code offline (ADR 15). One
// Argon2id evaluation at the short codes' costs (64 MiB, 3 passes), on one core, with
// libsodium as the app uses it; the baseline in the same run is one BLAKE2b hash of the
// same password, which is what a guess would cost without Argon2id. The offline cost is the
// secret's keyspace (31^11) times one evaluation, halved for the expected guess.
import sodium from 'libsodium-wrappers-sumo';

import { SHORT_CODE_MEMLIMIT, SHORT_CODE_OPSLIMIT } from '../../src/shared/protocol/short-code';

type Write = (name: string, result: Record<string, unknown>) => void;

export async function benchCodes(options: { quick: boolean; write: Write }): Promise<void> {
  await sodium.ready;
  const salt = sodium.randombytes_buf(16);
  const password = 'clinic-messenger/short-code/v1|enrollment|ABC23456789DEFG|1980-04-02';
  const runs = options.quick ? 5 : 15;
  const argon: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    sodium.crypto_pwhash(32, password, salt, SHORT_CODE_OPSLIMIT, SHORT_CODE_MEMLIMIT, sodium.crypto_pwhash_ALG_ARGON2ID13);
    argon.push(performance.now() - started);
  }
  const hashes = 20_000;
  const started = performance.now();
  for (let i = 0; i < hashes; i += 1) sodium.crypto_generichash(32, password, salt);
  const hashMs = (performance.now() - started) / hashes;
  const sorted = [...argon].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  const min = sorted[0] ?? NaN;
  const keyspace = 31 ** 11;
  const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
  options.write('short-code-guessing', {
    argon2id: { memlimitMiB: SHORT_CODE_MEMLIMIT / 2 ** 20, opslimit: SHORT_CODE_OPSLIMIT, runs, p50Ms: round(p50), minMs: round(min), maxMs: round(sorted.at(-1) ?? NaN) },
    baselineBlake2bMs: round(hashMs, 5),
    argonOverBaseline: Math.round(p50 / hashMs),
    keyspace,
    // The fastest evaluation seen, so the figure errs on the attacker's side.
    offlineCoreSecondsWholeSpace: Number((keyspace * (min / 1000)).toPrecision(3)),
    offlineCoreSecondsExpected: Number(((keyspace / 2) * (min / 1000)).toPrecision(3)),
  });
}
