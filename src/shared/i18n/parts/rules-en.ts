// Runs anywhere: English texts of the clinic's stated rules (IT admin).
export const rulesEn = {
  title: 'Clinic rules',
} as const;
