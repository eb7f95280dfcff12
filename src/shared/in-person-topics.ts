// Runs anywhere: whether a patient's message looks like one of the clinic's in-person topics
// ("Test results that need an examination"), so that the composer can suggest the reply that
// restates the limits of messaging. A topic is free text the IT admin wrote: it matches when
// the message holds two of its words (or its only word), word starts compared without accents
// or case (results ~ result, examen ~ examens). A suggestion only: the clinician decides.
import { normalizeForTriage } from './triage/matcher';

/** Words that say nothing about a topic, EN and FR. */
const STOP = new Set(
  'that this with from have need needs your what when which there their about into than then them they will would could should pour avec dans sont etre vous nous mais plus leur leurs cette comme quand sans sous tout tous toute toutes faire fait besoin'.split(' '),
);

const STEM = 5;
const stem = (word: string): string => word.slice(0, STEM);

/** The words of a topic that count, as stems (4 letters or more, not a stop word). */
function topicStems(topic: string): string[] {
  return [...new Set(normalizeForTriage(topic).filter((w) => w.length >= 4 && !STOP.has(w)).map(stem))];
}

/** The first in-person topic the text looks like, or null. */
export function matchInPersonTopic(text: string, topics: readonly string[]): string | null {
  const words = new Set(normalizeForTriage(text).filter((w) => w.length >= 4).map(stem));
  for (const topic of topics) {
    const stems = topicStems(topic);
    if (stems.length === 0) continue;
    const found = stems.filter((s) => words.has(s)).length;
    if (found >= Math.min(2, stems.length)) return topic;
  }
  return null;
}
