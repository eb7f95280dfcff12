import { FuseV1Options } from '@electron/fuses';
import { describe, expect, it } from 'vitest';

import { fuseConfig } from './fuses';

describe('packaging fuses', () => {
  it('decides every fuse this Electron knows', () => {
    const known = Object.values(FuseV1Options).filter((v): v is number => typeof v === 'number');
    for (const fuse of known) expect(fuseConfig, FuseV1Options[fuse]).toHaveProperty(String(fuse));
    expect(fuseConfig.strictlyRequireAllFuses).toBe(true);
  });

  it('turns off Node.js entry points and loads only the integrity-checked asar', () => {
    expect(fuseConfig[FuseV1Options.RunAsNode]).toBe(false);
    expect(fuseConfig[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(fuseConfig[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(fuseConfig[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(fuseConfig[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(fuseConfig[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
  });
});
