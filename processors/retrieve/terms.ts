/**
 * The terms retrieval and drafting match on. The local Elasticsearch has no stemmers or language analyzers,
 * so the little normalisation that matters for support questions (case, accents, English plurals, filler
 * words) happens here, once, and is applied identically to what is indexed, to what is searched for and to
 * the sentences a draft is picked from: "refunds" in an article and "refund" in a question then meet.
 */

const words = (list: string) => new Set(list.split(/\s+/).filter((w) => w !== ''));

/**
 * Words too common in support messages to say what they are about, per language: articles, prepositions,
 * pronouns, auxiliaries and politeness. Kept short, because a word listed here can never be matched.
 * Written accent-free, as tokenize() returns them.
 */
const STOPWORDS: Readonly<Record<string, ReadonlySet<string>>> = {
  // Lucene's English stop list, then pronouns, auxiliaries and the filler of support messages.
  en: words(
    'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with ' +
      'i me my mine myself we us our ours you your yours he him his she her hers its them what which who whom whose ' +
      'am been being have has had having do does did doing would should could can may might must shall ' +
      'so than too very just also only own same from up down out off over under again further once here ' +
      'when where why how all any both each few more most other some nor ' +
      'hi hello hey dear thanks thank please regards cheers ok okay yes ' +
      'one get got need want know like help let tell still already yet thing something anything way ' +
      "im i'm ive i've id i'd ill i'll dont don't cant can't wont won't didnt didn't isnt isn't",
  ),
  es: words(
    'el la los las un una unos unas y o de del al a en con por para sin sobre que como cuando donde ' +
      'mi mis tu tus su sus me te se nos lo le les yo es son esta este esto estoy ha he hay ' +
      'muy mas pero si no ya hola gracias favor por',
  ),
  fr: words(
    'le la les un une des et ou de du au aux a en dans avec par pour sans sur que qui quand comment ' +
      'mon ma mes ton ta tes son sa ses je tu il elle nous vous ils elles me te se est sont ai a ce cet cette ' +
      'ne pas plus tres mais si bonjour merci',
  ),
  de: words(
    'der die das den dem des ein eine einen einem einer und oder von zu zum zur in im mit fur auf an am ' +
      'ich du er sie es wir ihr mein meine mich mir sich ist sind bin hat habe wie wann wo was ' +
      'nicht kein keine sehr aber wenn hallo danke bitte',
  ),
  pt: words(
    'o a os as um uma uns umas e ou de do da dos das em no na nos nas com por para sem sobre que como quando onde ' +
      'meu minha meus minhas seu sua seus suas me te se eu ele ela nos voce e sao esta estou tem ' +
      'muito mais mas nao ja ola obrigado obrigada',
  ),
};

/** Primary language subtag of a BCP 47 tag, lower-cased: `en-GB` → `en`; empty or `und` stays `und`. */
export function baseLanguage(tag: string): string {
  const base = tag.trim().split(/[-_]/)[0]?.toLowerCase() ?? '';
  return base === '' ? 'und' : base;
}

/** Lower-cased words and numbers, accents removed, in order; apostrophes inside words are kept. */
export function tokenize(text: string): string[] {
  const plain = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  return plain.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu)?.map((t) => t.replace(/’/g, "'")) ?? [];
}

/**
 * Harman's S-stemmer: only plural endings, so it never merges words with different meanings the way an
 * aggressive stemmer does ("card"/"cardinal"), yet it joins the forms customers and articles most often
 * differ in.
 */
export function stemPlural(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('ies') && !word.endsWith('eies') && !word.endsWith('aies')) return `${word.slice(0, -3)}y`;
  if (word.endsWith('es') && !/[aeo]es$/.test(word)) return word.slice(0, -1);
  if (word.endsWith('s') && !word.endsWith('us') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/**
 * The content terms of a text in a language: tokens without stop words, and for English with plurals
 * folded. Languages without a stop list are matched on all their lower-cased, accent-free tokens.
 */
export function contentTerms(text: string, language: string): string[] {
  const base = baseLanguage(language);
  const stopwords = STOPWORDS[base];
  const tokens = stopwords ? tokenize(text).filter((t) => !stopwords.has(t)) : tokenize(text);
  return base === 'en' ? tokens.map(stemPlural) : tokens;
}

/** The text's content terms joined by spaces: what the folded index fields hold and are searched with. */
export function foldText(text: string, language: string): string {
  return contentTerms(text, language).join(' ');
}
