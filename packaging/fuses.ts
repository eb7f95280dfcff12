import { FuseV1Options, FuseVersion } from '@electron/fuses';

/**
 * The Electron fuses every packaged build must have, flipped into the binary after it is
 * packaged (`npm run package:fuses -- <path to the packaged executable>`). Every fuse is
 * named, so an Electron upgrade that adds one fails the flip until someone decides it.
 */
export const fuseConfig = {
  version: FuseVersion.V1,
  strictlyRequireAllFuses: true,
  // The binary must never act as a plain Node.js (ELECTRON_RUN_AS_NODE).
  [FuseV1Options.RunAsNode]: false,
  // Chromium's cookie store is encrypted with the OS keystore (the app keeps no cookies anyway).
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS and --inspect would let anyone on the machine inject code into main.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // The app code is the signed asar and nothing else.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The renderer never uses file://; give it no extra powers.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  [FuseV1Options.WasmTrapHandlers]: true,
} as const;
