// Which language a customer message is in. Long enough texts are detected (tinyld, offline n-grams); short
// ones ("ok", "danke schön") detect unreliably, so they inherit the conversation's language instead.
import { detectAll } from 'tinyld';
import type { Channel } from '../db/schema';

/** Texts with fewer words than this are not detected on their own. */
export const MIN_DETECTION_WORDS = 6;

/**
 * tinyld's best guess is taken when it scores at least MIN_SCORE and at least RUNNER_UP_RATIO times the runner-up.
 * Its scores are shares spread over every language it knows, so a clear 12-word German question scores 0.39
 * (the runner-up 0.02): an absolute bar of 0.5 kept such messages in the conversation's language. The margin
 * over the runner-up is what tells a clear guess from a coin toss (Danish or Norwegian, Russian or Bulgarian,
 * at 0.15 against 0.11, stay undecided). Measured on detect.fixture.ts: see detect.test.ts.
 */
const MIN_SCORE = 0.1;
const RUNNER_UP_RATIO = 2;

/**
 * Order numbers, tracking codes and SKUs ("A-1042", "lx3k9a1234", "58213") are not words of any language, but
 * their letter runs look like one: "Do you deliver tulips on Sundays? lx3k9a1234" came out German at 0.13
 * against English at 0.11. Tokens with a digit are left out before detecting and counting words.
 */
// Latin letters only: in scripts written without spaces a code runs straight into the words around it.
const CODE_TOKEN = /[A-Za-z\p{N}_-]*\p{N}[A-Za-z\p{N}_-]*/gu;

function withoutCodes(text: string): string {
  return text.replace(CODE_TOKEN, ' ');
}

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
 * The language of a customer message: detected when it has at least six words (order numbers and codes do not
 * count) and tinyld's guess is clear, else the conversation's language, else the channel's fallback language,
 * else unknown.
 */
export function messageLanguage(
  text: string,
  context: { conversationLanguage?: string | null; fallbackLanguage?: string | null },
): LanguageGuess {
  const words = withoutCodes(text);
  if (wordCount(words) >= MIN_DETECTION_WORDS) {
    const [best, runnerUp] = detectAll(words);
    const found = primaryLanguage(best?.lang);
    if (found && best!.accuracy >= MIN_SCORE && best!.accuracy >= RUNNER_UP_RATIO * (runnerUp?.accuracy ?? 0)) {
      return { language: found, detected: true };
    }
  }
  return {
    language: primaryLanguage(context.conversationLanguage) ?? primaryLanguage(context.fallbackLanguage),
    detected: false,
  };
}
