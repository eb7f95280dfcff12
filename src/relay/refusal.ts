// A refusal the client sees as `{ ok: false, error: { code, message } }`. Its message is plain
// words for a person and never echoes what the client sent.
import { type AnswerErrorCode } from '../shared/protocol/relay-frames';
import { StoreConflictError } from './store/relay-store';

export class RelayRefusal extends Error {
  constructor(
    readonly code: AnswerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RelayRefusal';
  }
}

export const refuse = (code: AnswerErrorCode, message: string): never => {
  throw new RelayRefusal(code, message);
};

/** Turns the store's unique-key conflict into a typed `conflict` refusal; rethrows anything else. */
export function conflict(message: string) {
  return (error: unknown): never => {
    if (error instanceof StoreConflictError) refuse('conflict', message);
    throw error;
  };
}
