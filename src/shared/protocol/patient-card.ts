// Runs anywhere: the patient card (ADR 12). The names the front desk registered, so that
// clinicians see who wrote. A card travels as an envelope v1 with scope `patient-card`,
// signed by the registrar's device and sealed to the records key and to the registrars'
// devices: the relay stores the newest card per patient without being able to read it.
import { z } from 'zod';

export const CARD_SCOPE = 'patient-card';

const name = z.string().trim().min(1).max(200);
const isoDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const patientCardSchema = z.strictObject({
  v: z.literal(1),
  givenName: name,
  familyName: name,
  dateOfBirth: isoDateSchema,
  /** The person who decides for the patient, when there is one. */
  decisionMaker: z.strictObject({ name, relationship: z.string().trim().min(1).max(60) }).nullable(),
});
export type PatientCard = z.infer<typeof patientCardSchema>;

/** A card's message id: one per patient and version time, so a re-publication is recognised. */
export const cardMessageId = (patientId: string, sentAt: number): string => `card-${sentAt.toString(36)}-${patientId}`.slice(0, 64);

/** Parses a decrypted card body (UTF-8 text); null when it is not a card this version understands. */
export function parsePatientCard(text: string): PatientCard | null {
  try {
    const parsed = patientCardSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
