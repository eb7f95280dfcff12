// Runs in the portal (browser; Node 22 in tests): the patient's one connection to the relay.
// It opens the WebSocket, answers the login challenge with this device's key, and reconnects
// with backoff until stopped. A relay that says this device was removed stops it for good.
import { retryDelayMs } from '../../shared/protocol/delivery';
import { type SodiumApi } from '../../shared/protocol/sodium-api';
import { type PatientIdentity } from './identity';
import { loginProof } from './patient-envelopes';
import { type ConnectionState } from './portal-types';
import { RelayError, type RelaySocket, openRelaySocket } from './relay-socket';

export type PortalConnectionEvents = {
  onState(state: ConnectionState): void;
  onPush(kind: string): void;
  /** Logged in: refresh and sync. A failure here keeps the socket; its close reconnects. */
  onOnline(): Promise<void>;
  /** The relay no longer knows this device. */
  onRemoved(): void;
  /** Something changed that the screen shows (a failed first refresh, a removal). */
  onChanged(): void;
};

export class PortalConnection {
  socket: RelaySocket | null = null;
  running = false;
  /** Set by stop(): the vault's key is about to be wiped, so nothing more is written. */
  stopped = false;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  connecting: Promise<void> | null = null;

  constructor(
    private readonly sodium: SodiumApi,
    private readonly id: PatientIdentity,
    private readonly timeoutMs: number,
    private readonly events: PortalConnectionEvents,
  ) {}

  /** Starts connecting, and keeps reconnecting with backoff until stop(). */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.connect();
  }

  /** Tries at once (e.g. when the browser says it is back online). */
  reconnectNow(): void {
    if (!this.running || this.socket?.open) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempts = 0;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  private connect(): Promise<void> {
    this.connecting ??= this.connectOnce().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connectOnce(): Promise<void> {
    if (!this.running || this.socket?.open) return;
    this.events.onState('connecting');
    let socket: RelaySocket | null = null;
    try {
      socket = await openRelaySocket(this.id.wsUrl, {
        timeoutMs: this.timeoutMs,
        onPush: (kind) => this.events.onPush(kind),
        onClose: () => {
          if (this.socket !== socket) return;
          this.socket = null;
          this.events.onState('offline');
          this.scheduleReconnect();
        },
      });
      const { challenge } = await socket.request('auth.challenge', {});
      await socket.request('auth.login', { proof: loginProof(this.sodium, this.id, challenge) });
      if (!this.running) {
        socket.close();
        return;
      }
      this.socket = socket;
      this.attempts = 0;
      this.events.onState('online');
      await this.events.onOnline();
    } catch (error) {
      if (error instanceof RelayError && (error.code === 'revoked' || error.code === 'unknown-device')) {
        this.events.onRemoved();
        this.running = false;
      }
      if (socket && this.socket !== socket) socket.close();
      if (this.socket === socket) {
        // Logged in, but the first refresh failed: the close handler reconnects if the socket drops.
        this.events.onChanged();
        return;
      }
      this.events.onState('offline');
      this.events.onChanged();
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (!this.running || this.timer) return;
    const delay = retryDelayMs(this.attempts++, 30_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }
}
