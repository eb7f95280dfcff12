// A refusal on this device, before anything reached the relay, with a code the app's
// services turn into plain words.
export type ClientErrorCode =
  | 'not-joined'
  | 'already-joined'
  | 'wrong-clinic'
  | 'untrusted'
  | 'no-consent'
  | 'not-allowed'
  | 'unknown-patient'
  | 'pending-approval'
  | 'too-long'
  | 'empty'
  | 'file';

export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

export const fail = (code: ClientErrorCode, message: string): never => {
  throw new ClientError(code, message);
};
