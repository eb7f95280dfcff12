// Runs anywhere: pure TypeScript, no Node, no DOM.
// The one IPC contract. The preload builds the renderer API from `channelNames`, main
// builds its router from `contract`, and tests call that router directly.
import { z } from 'zod';

import { AppInfo } from '../app-info';
import { DiagnosticsReport } from '../diagnostics';
import { type Caller, everyone } from '../roles';
import { AppSettings, SettingsPatch } from '../settings';
import type { ChannelName, DomainOf, VerbOf } from './channel-names';
import type { IpcResult } from './errors';

export type ChannelSpec<Req extends z.ZodType = z.ZodType, Res extends z.ZodType = z.ZodType> = {
  readonly request: Req;
  readonly response: Res;
  /** Who may call it. `signed-out` means "before any profile is unlocked". */
  readonly roles: readonly Caller[];
};

const noInput = z.object({}).strict();

export const contract = {
  'app:info': { request: noInput, response: AppInfo, roles: everyone },
  'diagnostics:run': { request: noInput, response: DiagnosticsReport, roles: everyone },
  'settings:get': { request: noInput, response: AppSettings, roles: everyone },
  'settings:update': { request: SettingsPatch, response: AppSettings, roles: everyone },
} as const satisfies { readonly [C in ChannelName]: ChannelSpec };

export type Contract = typeof contract;
export type RequestOf<C extends ChannelName> = z.input<Contract[C]['request']>;
export type ResponseOf<C extends ChannelName> = z.output<Contract[C]['response']>;

/** The object the renderer sees as `window.clinic`: one method per channel, grouped by domain. */
export type ClinicApi = {
  readonly [D in DomainOf<ChannelName>]: {
    readonly [C in Extract<ChannelName, `${D}:${string}`> as VerbOf<C>]: (
      request: RequestOf<C>,
    ) => Promise<IpcResult<ResponseOf<C>>>;
  };
};
