// The compact search row of an archived conversation: its messages' distinct words, so the inbox search still
// finds the conversation after its messages left D1 (migrations/0003_message_archive.sql).

/** Longest search row kept (D1 rows are capped at 1 MB); a conversation with more distinct words keeps the first. */
export const MAX_TERMS_CHARS = 100_000;

/**
 * The distinct words of the texts, lower-cased, in first-seen order, split like the inbox's search query
 * (conversations/inbox-query.ts ftsQuery) so that every word a live message is found by stays findable.
 */
export function archiveSearchTerms(texts: Iterable<string>, maxChars = MAX_TERMS_CHARS): string {
  const seen = new Set<string>();
  let length = 0;
  for (const text of texts) {
    for (const word of text
      .normalize('NFKC')
      .toLowerCase()
      .split(/[^\p{L}\p{N}_]+/u)) {
      if (!word || seen.has(word)) continue;
      if (length + word.length + 1 > maxChars) return [...seen].join(' ');
      seen.add(word);
      length += word.length + 1;
    }
  }
  return [...seen].join(' ');
}
