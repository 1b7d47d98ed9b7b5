// Which language a customer message is in. Long enough texts are detected (tinyld, offline n-grams); short
// ones ("ok", "danke schön") detect unreliably, so they inherit the conversation's language instead.
import { detectAll } from 'tinyld';
import type { Channel } from '../db/schema';

/** Texts with fewer words than this are not detected on their own. */
export const MIN_DETECTION_WORDS = 6;

/**
 * tinyld's score for its best guess must reach this, and be twice the runner-up's: an English question
 * with an order number in it can come out "de" at 0.13 against "en" at 0.11, and acting on that would
 * hold every reply for a translation nobody needs.
 */
const MIN_CONFIDENCE = 0.5;

// Scripts written without spaces count one word per character, or a whole Japanese sentence would be "one word".
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]|[\p{L}\p{N}]+/gu;

export function wordCount(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

/** "de-AT", "DE", "de_at" → "de"; empty → null. */
export function primaryLanguage(tag: string | null | undefined): string | null {
  const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return primary || null;
}

/** The language agents read and write on a channel: inbound messages are translated into it. */
export function agentLanguage(channel: Pick<Channel, 'defaultLanguage' | 'translateToLanguage'>): string {
  return primaryLanguage(channel.translateToLanguage) ?? primaryLanguage(channel.defaultLanguage) ?? 'en';
}

export interface LanguageGuess {
  language: string | null;
  /** true when the text itself was detected; false when the language was inherited (or is unknown). */
  detected: boolean;
}

/**
 * The language of a customer message: detected when it has at least six words and tinyld is confident,
 * else the conversation's language, else the channel's fallback language, else unknown.
 */
export function messageLanguage(
  text: string,
  context: { conversationLanguage?: string | null; fallbackLanguage?: string | null },
): LanguageGuess {
  if (wordCount(text) >= MIN_DETECTION_WORDS) {
    const [best, runnerUp] = detectAll(text);
    const found = primaryLanguage(best?.lang);
    if (found && best!.accuracy >= MIN_CONFIDENCE && best!.accuracy >= 2 * (runnerUp?.accuracy ?? 0)) {
      return { language: found, detected: true };
    }
  }
  return {
    language: primaryLanguage(context.conversationLanguage) ?? primaryLanguage(context.fallbackLanguage),
    detected: false,
  };
}
