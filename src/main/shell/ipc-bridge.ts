import type { IpcMain, IpcMainInvokeEvent } from 'electron';

import { fail } from '../../shared/ipc/errors';
import type { Logger } from '../log';
import { originOf } from '../router/origin';
import type { Router } from '../router/router';

export type BridgeOptions = {
  readonly ipcMain: IpcMain;
  readonly router: Router;
  readonly trustedOrigins: readonly string[];
  /** True when the call comes from a web contents of one of the app's own windows. */
  readonly isAppWebContents: (webContentsId: number) => boolean;
  readonly log: Logger;
};

/**
 * A call is accepted only from the top frame of one of the app's own windows, showing one
 * of the app's own origins. Sub-frames, other web contents and anything that navigated
 * elsewhere are refused before the router sees the payload.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, options: Pick<BridgeOptions, 'trustedOrigins' | 'isAppWebContents'>): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame.parent !== null) return false;
  if (!options.isAppWebContents(event.sender.id)) return false;
  return options.trustedOrigins.includes(originOf(frame.url));
}

/** One `ipcMain.handle` per contract channel, each bound to its own name: no catch-all handler. */
export function registerIpc(options: BridgeOptions): void {
  for (const channel of options.router.channels) {
    options.ipcMain.handle(channel, async (event, payload: unknown) => {
      if (!isTrustedSender(event, options)) {
        options.log.warn('ipc.sender-rejected', { channel });
        return fail('sender-rejected', 'The request came from a page the app does not trust.');
      }
      return options.router.dispatch(channel, payload, { origin: originOf(event.senderFrame?.url ?? '') });
    });
  }
}
