// This device's logged-in connection to its clinic's relay: opened on first use, logged in
// by signing the relay's challenge, opened again after a drop. A push hint makes the device
// sync (and forget its directory when the directory changed); after a reconnection the held
// directory may be out of date, since pushes sent meanwhile were lost.
import { PREFIX, relayAuthSchema } from '../../../shared/protocol/documents';
import { signDocument } from '../../../shared/protocol/signed';
import { type RelayConnection, connectRelay } from '../relay-connection';
import { type ClientContext } from './context';

export class RelaySession {
  private connection: RelayConnection | null = null;
  private connecting: Promise<RelayConnection> | null = null;
  private everConnected = false;

  constructor(private readonly ctx: ClientContext) {}

  /** The open connection, connecting and logging in first if needed. */
  async relay(): Promise<RelayConnection> {
    if (this.connection?.open) return this.connection;
    this.connecting ??= (async () => {
      try {
        const id = this.ctx.identity.current();
        const connection = await connectRelay(id.relayUrl, {
          timeoutMs: this.ctx.timeoutMs,
          onPush: (kind) => {
            if (kind === 'alerts') return this.ctx.alerted();
            if (kind === 'directory') {
              // Consents, devices, cards or the rules changed: fetched and verified again at
              // once, so a removed device or a new policy takes effect without waiting for a
              // screen to ask (verifying tells `changed`, and the rules to whoever applies them).
              this.ctx.directory.forget();
              void this.ctx.directory.verified().catch(() => this.ctx.changed());
            }
            void this.ctx.receiver.sync().catch(() => undefined);
          },
          onClose: () => {
            if (this.connection === connection) this.connection = null;
          },
        });
        try {
          const { challenge } = await connection.request('auth.challenge', {});
          const proof = signDocument(this.ctx.sodium, PREFIX.relayAuth, relayAuthSchema, { v: 1, clinicId: id.clinicId, deviceId: id.deviceId, challenge }, this.ctx.identity.keys().signing.privateKey);
          await connection.request('auth.login', { proof });
        } catch (error) {
          await connection.close();
          throw error;
        }
        if (this.connection !== null || this.everConnected) this.ctx.directory.forget();
        this.everConnected = true;
        this.connection = connection;
        return connection;
      } finally {
        this.connecting = null;
      }
    })();
    return this.connecting;
  }

  /** Closes the connection; the store stays open. */
  async disconnect(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    await connection?.close();
  }
}
