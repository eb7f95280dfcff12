// Runs anywhere: French texts of the clinic's stated rules (IT admin).
import { type Catalog } from '../en';

export const rulesFr: Catalog['rules'] = {
  title: 'Règles de la clinique',
};
