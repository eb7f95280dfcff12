// Runs anywhere: pure TypeScript, no Node, no DOM.
import { z } from 'zod';

export const diagnosticCheckIds = [
  'runtime',
  'shell-hardening',
  'crypto',
  'encrypted-storage',
  'data-folder',
] as const;
export const DiagnosticCheckId = z.enum(diagnosticCheckIds);
export type DiagnosticCheckId = z.infer<typeof DiagnosticCheckId>;

export const DiagnosticStatus = z.enum(['pass', 'warn', 'fail']);
export type DiagnosticStatus = z.infer<typeof DiagnosticStatus>;

/**
 * One check. `detailKey` names a catalog entry the renderer translates, with `detailValues`
 * filled in; no free text from main reaches the screen untranslated.
 */
export const DiagnosticCheck = z
  .object({
    id: DiagnosticCheckId,
    status: DiagnosticStatus,
    detailKey: z.string(),
    detailValues: z.record(z.string(), z.string()),
    durationMs: z.number().nonnegative(),
  })
  .strict();
export type DiagnosticCheck = z.infer<typeof DiagnosticCheck>;

export const DiagnosticsReport = z
  .object({
    ranAt: z.string(),
    checks: z.array(DiagnosticCheck),
  })
  .strict();
export type DiagnosticsReport = z.infer<typeof DiagnosticsReport>;
