// Runs anywhere: pure TypeScript, no Node, no DOM, no dependencies.
// The preload imports only this file, so its bundle stays tiny; contract.ts checks that
// every name here has exactly one specification and that there are no others.

export const channelNames = [
  'app:info',
  'diagnostics:run',
  'settings:get',
  'settings:update',
] as const;

export type ChannelName = (typeof channelNames)[number];

export type DomainOf<C extends string> = C extends `${infer D}:${string}` ? D : never;
export type VerbOf<C extends string> = C extends `${string}:${infer V}` ? V : never;

/** Splits `domain:verb`; the names above are checked by a unit test to have this shape. */
export function splitChannelName(name: string): readonly [domain: string, verb: string] {
  const at = name.indexOf(':');
  return [name.slice(0, at), name.slice(at + 1)];
}
