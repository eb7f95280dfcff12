// Runs anywhere: pure TypeScript, no Node, no DOM, no dependencies.
// The preload imports only this file, so its bundle stays tiny; contract.ts checks that
// every name here has exactly one specification and that there are no others.

export const channelNames = [
  'app:info',
  'diagnostics:run',
  'settings:get',
  'settings:update',
  'profiles:list',
  'profiles:create',
  'profiles:unlock',
  'profiles:unlock-with-device',
  'profiles:change-passphrase',
  'profiles:remember-device',
  'profiles:backup',
  'profiles:inspect-backup',
  'profiles:restore',
  'session:status',
  'session:lock',
  'clinic:status',
  'clinic:set-up',
  'clinic:join',
  'clinic:check-approval',
  'clinic:update-rules',
  'patients:register',
  'patients:find',
  'consent:template',
  'consent:record',
  'consent:receipt',
  'consent:save-receipt',
  'consent:issue-code',
  'consent:new-code',
  'consent:register',
  'consent:history',
  'consent:withdraw',
  'consent:change-scopes',
  'consent:renew',
  'consent:reverify',
  'audit:list',
  'audit:clinic',
  'audit:export',
  'stepup:status',
  'stepup:begin',
  'stepup:confirm',
  'stepup:verify',
  'people:list',
  'people:invite',
  'people:approve',
  'people:revoke',
  'inbox:list',
  'inbox:thread',
  'inbox:send',
  'inbox:undo',
  'inbox:mark-read',
  'inbox:save-draft',
  'inbox:retry',
  'inbox:assign',
  'inbox:handled',
  'inbox:sent-in-error',
  'incidents:list',
  'incidents:update',
  'incidents:export',
  'inbox:attach',
  'inbox:discard-attachment',
  'inbox:attachment',
  'inbox:save-attachment',
  'team:members',
  'team:away',
  'notices:reminder',
  'notices:audience',
  'notices:newsletter',
  'notices:resume',
  'notices:list',
  'portal:status',
  'portal:check',
  'portal:vouch',
] as const;

export type ChannelName = (typeof channelNames)[number];

/** Events main sends to the renderer, by name; the preload lets the page subscribe to these only. */
export const eventNames = ['session:changed', 'task:progress', 'inbox:changed', 'inbox:open', 'portal:changed'] as const;
export type EventName = (typeof eventNames)[number];

export type DomainOf<C extends string> = C extends `${infer D}:${string}` ? D : never;
export type VerbOf<C extends string> = C extends `${string}:${infer V}` ? V : never;

/** Splits `domain:verb`; the names above are checked by a unit test to have this shape. */
export function splitChannelName(name: string): readonly [domain: string, verb: string] {
  const at = name.indexOf(':');
  return [name.slice(0, at), name.slice(at + 1)];
}
