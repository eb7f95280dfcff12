// Runs anywhere: pure TypeScript, no Node, no DOM.
import { z } from 'zod';

export const AppInfo = z
  .object({
    name: z.string(),
    version: z.string(),
    /** Where main runs: inside Electron, or the test harness that drives the renderer in Chromium. */
    host: z.enum(['electron', 'browser-harness']),
    packaged: z.boolean(),
    build: z.object({ commit: z.string(), date: z.string() }).strict(),
    runtime: z
      .object({
        node: z.string(),
        electron: z.string().nullable(),
        chrome: z.string().nullable(),
        platform: z.string(),
        arch: z.string(),
      })
      .strict(),
  })
  .strict();
export type AppInfo = z.infer<typeof AppInfo>;
