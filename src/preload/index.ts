// The preload: runs sandboxed, bundled to one CommonJS file. It exposes one object built
// from the contract and nothing else: no ipcRenderer, no generic invoke.
import { contextBridge, ipcRenderer } from 'electron';

import { buildApi } from './build-api';

contextBridge.exposeInMainWorld(
  'clinic',
  buildApi(
    (channel, request) => ipcRenderer.invoke(channel, request),
    (event, listener) => {
      // The page gets the payload only, never the IPC event (which would expose the sender).
      const handler = (_event: unknown, payload: unknown) => listener(payload);
      ipcRenderer.on(event, handler);
      return () => {
        ipcRenderer.removeListener(event, handler);
      };
    },
  ),
);
