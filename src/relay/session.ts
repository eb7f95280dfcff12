// One relay connection as the frame handlers see it: who it is, once logged in, and how to
// reach it.
import { type DeviceRecord } from './store/relay-store';

export type PushKind = 'sync' | 'directory' | 'alerts';

export type Session = {
  challenge: Uint8Array | null;
  device: DeviceRecord | null;
  /** Sends a push to this connection. */
  readonly push: (kind: PushKind, relaySeq: number) => void;
  /** Closes this connection with a policy code. */
  readonly kick: (reason: string) => void;
};
