// How comment text is compared: case-insensitive, width-normalised (full-width ＰＲＩＣＥ is PRICE) and with
// Latin diacritics folded (café is cafe), as plain substring search so scripts written without spaces (Thai
// ราคา inside a sentence) match too. Thai and other scripts keep their own marks: only the combining
// diacritics block is folded. Keywords and comments go through the same function, so the rule is symmetric.

export function normaliseText(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

export function containsNormalised(haystack: string, needle: string): boolean {
  const n = normaliseText(needle);
  return n.length > 0 && normaliseText(haystack).includes(n);
}

// Emoji, their modifiers and joiners, and whitespace at the end of a comment do not hide its question mark.
const TRAILING_NOISE = /(?:\s|\p{Extended_Pictographic}|\p{Emoji_Modifier}|\u200d|\ufe0e|\ufe0f|\u20e3)+$/u;
const QUESTION_MARKS = new Set(['?', '？', '؟', '⸮']);

/** Ends with ? (or full-width ？, Arabic ؟), ignoring trailing whitespace and emoji. */
export function endsWithQuestionMark(value: string): boolean {
  const trimmed = value.replace(TRAILING_NOISE, '');
  const last = [...trimmed].at(-1);
  return last !== undefined && QUESTION_MARKS.has(last);
}
