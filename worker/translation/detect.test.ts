import { describe, expect, it } from 'vitest';
import { agentLanguage, messageLanguage, primaryLanguage, wordCount } from './detect';

describe('language of a customer message', () => {
  it('detects a long enough text', () => {
    const german = 'Guten Tag, ich habe meine Bestellung vor zwei Wochen aufgegeben und sie ist immer noch nicht da.';
    expect(messageLanguage(german, {})).toEqual({ language: 'de', detected: true });
    const french = 'Bonjour, je voudrais savoir où se trouve ma commande, merci beaucoup.';
    expect(messageLanguage(french, { conversationLanguage: 'de' })).toEqual({ language: 'fr', detected: true });
  });

  it('does not detect a short message: it inherits the conversation language, else the fallback, else nothing', () => {
    expect(messageLanguage('Danke, bis bald', { conversationLanguage: 'de-AT', fallbackLanguage: 'sl' })).toEqual({
      language: 'de',
      detected: false,
    });
    expect(messageLanguage('Hvala lepa', { conversationLanguage: null, fallbackLanguage: 'sl' })).toEqual({
      language: 'sl',
      detected: false,
    });
    expect(messageLanguage('ok thanks', {})).toEqual({ language: null, detected: false });
  });

  it('does not act on an unsure guess: the message keeps the language it inherits', () => {
    // tinyld's best guess for this English question is German, at 0.13 against English at 0.11.
    const unsure = 'Do you deliver tulips on Sundays? lx3k9a1234';
    expect(messageLanguage(unsure, { conversationLanguage: 'en' })).toEqual({ language: 'en', detected: false });
    expect(messageLanguage(unsure, {})).toEqual({ language: null, detected: false });
  });

  it('counts words in scripts written without spaces one per character', () => {
    expect(wordCount('Where is my parcel?')).toBe(4);
    expect(wordCount('荷物はどこですか')).toBe(8);
    expect(messageLanguage('荷物はまだ届いていません。いつ届きますか?', {}).language).toBe('ja');
  });

  it('keeps primary language codes only, and the agents read the translate-to language', () => {
    expect(primaryLanguage('pt_BR')).toBe('pt');
    expect(primaryLanguage(' ')).toBeNull();
    expect(agentLanguage({ defaultLanguage: 'en', translateToLanguage: 'de-CH' })).toBe('de');
    expect(agentLanguage({ defaultLanguage: 'FR', translateToLanguage: null })).toBe('fr');
  });
});
