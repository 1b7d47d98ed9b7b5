// A general English lexicon (WordNet synonyms and derivations, compiled by scripts/build-lexicon.mjs) used to
// let a customer's words meet the documents' words: "vanished" ~ "disappeared", "notified" ~ "notification".
// Parsed once per isolate, on first use.
import { LEXICON, LEXICON_VERSION } from './lexicon.generated';

export { LEXICON_VERSION };

interface Lexicon {
  groups: string[][];
  groupsOf: Map<string, number[]>;
}

let parsed: Lexicon | undefined;

function lexicon(): Lexicon {
  if (parsed) return parsed;
  const groups = LEXICON.split('|').map((g) => g.split(' '));
  const groupsOf = new Map<string, number[]>();
  groups.forEach((words, id) => {
    for (const word of words) {
      const ids = groupsOf.get(word);
      if (ids) ids.push(id);
      else groupsOf.set(word, [id]);
    }
  });
  parsed = { groups, groupsOf };
  return parsed;
}

// WordNet's own detachment rules (morphy), nouns, verbs and adjectives together: inflected form → base form.
const DETACH: [string, string][] = [
  ['ies', 'y'],
  ['ches', 'ch'],
  ['shes', 'sh'],
  ['sses', 'ss'],
  ['xes', 'x'],
  ['zes', 'z'],
  ['men', 'man'],
  ['es', 'e'],
  ['es', ''],
  ['s', ''],
  ['ied', 'y'],
  ['ed', 'e'],
  ['ed', ''],
  ['ing', 'e'],
  ['ing', ''],
  ['er', ''],
  ['er', 'e'],
  ['est', ''],
  ['est', 'e'],
];

/** The lexicon's base forms of a word: itself if listed, else what the detachment rules find (a doubled final consonant undone). */
export function lemmas(word: string): string[] {
  const { groupsOf } = lexicon();
  if (groupsOf.has(word)) return [word];
  const found = new Set<string>();
  for (const [suffix, replacement] of DETACH) {
    if (word.length <= suffix.length + 2 || !word.endsWith(suffix)) continue;
    const base = word.slice(0, -suffix.length) + replacement;
    if (groupsOf.has(base)) found.add(base);
    // "stopped" → "stopp" → "stop"
    if (!replacement && base.length > 3 && base.at(-1) === base.at(-2) && groupsOf.has(base.slice(0, -1))) {
      found.add(base.slice(0, -1));
    }
  }
  return [...found];
}

/** The lexicon groups (senses) a word belongs to, through its base forms. */
export function conceptsOf(word: string): number[] {
  const { groupsOf } = lexicon();
  return [...new Set(lemmas(word).flatMap((l) => groupsOf.get(l) ?? []))];
}

/** The words related to `word` (its senses' synonyms and derivations), without the word's own base forms. */
export function relatedWords(word: string): string[] {
  const { groups } = lexicon();
  const own = new Set([word, ...lemmas(word)]);
  const related = new Set<string>();
  for (const id of conceptsOf(word)) for (const w of groups[id]!) if (!own.has(w)) related.add(w);
  return [...related];
}
