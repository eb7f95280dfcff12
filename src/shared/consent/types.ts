// Runs anywhere: the shapes of consent capture (DOMAIN.md, "What a consent record holds").
// A consent record is what the patient agreed to at the counter: the exact text shown (its
// version and hash), each choice, how identity was checked, the signature and the witness.
// Records are immutable; a change is a new record that supersedes the previous one.
import { type ConsentScope } from '../protocol/documents';

export type ConsentLanguage = 'en' | 'fr';

/** One part of the consent text, in the order it is shown and read aloud. */
export type ConsentSectionId =
  | 'purposes' // 1. channel, purposes, and what it must never be used for
  | 'benefits' // 2.
  | 'risks' // 3.
  | 'safeguards' // 4. and their limits
  | 'response-time' // 5.
  | 'emergencies' // 6.
  | 'who-reads' // 7. care team, covering staff
  | 'record-keeping' // 8. clinical record, retention
  | 'your-part' // 9. patient responsibilities
  | 'identity' // 10. how identity is checked, re-verification
  | 'topics' // 11. excluded topics, in-person topics
  | 'choices' // 12. separate opt-ins
  | 'withdrawal' // 13. withdrawal and existing messages
  | 'decision-maker' // 14. substitute decision-makers and minors
  | 'signature' // 15. signature, date, witness, text version
  | 'outside-scope'; // 16. a message outside the agreed scope

export type ConsentSection = {
  readonly id: ConsentSectionId;
  readonly title: string;
  readonly paragraphs: readonly string[];
  readonly bullets: readonly string[];
};

/** Free-text additions the clinic may make to a section; each change is a new template version. */
export type ConsentTemplateEdits = Partial<Record<ConsentSectionId, string>>;

export type ConsentDocument = {
  readonly language: ConsentLanguage;
  /** The clinic policy version the text was generated from. */
  readonly policyVersion: number;
  /** The template version (clinic edits), from 1. */
  readonly templateVersion: number;
  /** `p<policy>-t<template>-<language>`, e.g. `p3-t1-en`: what a record cites. */
  readonly version: string;
  readonly title: string;
  readonly sections: readonly ConsentSection[];
  /** The whole text as one canonical plain-text string: what is hashed and printed. */
  readonly text: string;
};

/** How the front desk checked who the patient is. */
export const identityMethods = ['photo-id', 'health-card', 'known-patient', 'other'] as const;
export type IdentityMethod = (typeof identityMethods)[number];

export type ConsentChoice = { readonly scope: ConsentScope; readonly granted: boolean };

export type ConsentSignature =
  | { readonly kind: 'drawn'; /** PNG as a data: URL, at most 200 KiB. */ readonly image: string }
  | { readonly kind: 'typed'; readonly name: string };

/** Register status of a patient (the consent register's filter). */
export type ConsentRegisterStatus = 'pending-enrollment' | 'active' | 'partial' | 'withdrawn' | 'expired' | 'none';
