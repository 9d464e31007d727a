/**
 * The most frequent function words of each language detected from Latin-script text. Function words make up
 * a third or more of any running text whatever its topic, so a few dozen per language tell languages apart in
 * messages of a sentence or two, where character n-gram models need more text or a large table. Words that
 * several of these languages share (de, a, in, die) are kept: they count for each, and the words only one
 * language has decide.
 */
export const STOPWORDS: Readonly<Record<string, readonly string[]>> = {
  en: [
    'the', 'and', 'is', 'are', 'was', 'were', 'be', 'been', 'have', 'has', 'had', 'i', 'you', 'he', 'she', 'it',
    'we', 'they', 'my', 'your', 'our', 'their', 'this', 'that', 'these', 'those', 'of', 'to', 'in', 'on', 'for',
    'with', 'at', 'by', 'from', 'not', 'but', 'or', 'if', 'what', 'when', 'where', 'why', 'how', 'can', 'could',
    'would', 'should', 'will', 'do', 'does', 'did', 'please', 'thanks', 'thank', 'hi', 'hello', 'me', 'an', 'a',
    'there', 'just', 'any', 'still', 'about', 'am', 'get', 'got', 'don', 'didn', 'doesn', 'isn',
    'wasn', 'haven',
    'never', 'yet', 'again', 'now', 'need', 'want', 'help', 'which', 'who', 'all', 'some', 'after', 'since',
    'already', 'only', 'also',
  ],
  fr: [
    'le', 'la', 'les', 'un', 'une', 'des', 'du', 'de', 'et', 'est', 'je', 'tu', 'il', 'elle', 'nous', 'vous',
    'ils', 'elles', 'mon', 'ma', 'mes', 'votre', 'vos', 'notre', 'ce', 'cette', 'ces', 'qui', 'que', 'quoi',
    'dans', 'sur', 'pour', 'avec', 'pas', 'ne', 'plus', 'mais', 'ou', 'où', 'si', 'bonjour', 'merci', 'au',
    'aux', 'été', 'suis', 'sont', 'avez', 'ai', 'j', 'n', 'c', 'd', 'l', 'qu', 'très', 'aussi', 'comme', 'ça',
    'moi', 'toujours', 'depuis', 'car', 'donc', 'avoir', 'être', 'fait',
  ],
  de: [
    'der', 'die', 'das', 'und', 'ist', 'ich', 'du', 'er', 'sie', 'es', 'wir', 'ihr', 'mein', 'meine', 'meinen',
    'mit', 'nicht', 'ein', 'eine', 'einen', 'auf', 'für', 'von', 'zu', 'zum', 'zur', 'den', 'dem', 'des', 'im',
    'bei', 'aber', 'oder', 'wenn', 'wie', 'was', 'warum', 'hallo', 'danke', 'bitte', 'habe', 'hat', 'haben',
    'bin', 'sind', 'war', 'noch', 'auch', 'schon', 'kein', 'keine', 'sehr', 'wurde', 'kann', 'können', 'mir',
    'mich', 'uns', 'ihre', 'ihnen', 'dass', 'immer', 'seit', 'jetzt', 'nach', 'guten', 'tag',
  ],
  es: [
    'el', 'la', 'los', 'las', 'un', 'una', 'unos', 'y', 'es', 'son', 'yo', 'tú', 'él', 'ella', 'nosotros',
    'usted', 'ustedes', 'mi', 'mis', 'su', 'sus', 'que', 'qué', 'de', 'del', 'en', 'con', 'por', 'para', 'no',
    'pero', 'o', 'si', 'sí', 'hola', 'gracias', 'como', 'cómo', 'está', 'estoy', 'tengo', 'tiene', 'hay', 'muy',
    'ya', 'también', 'me', 'se', 'lo', 'le', 'al', 'cuando', 'donde', 'dónde', 'porque', 'nada', 'esta', 'este',
    'fue', 'ha', 'he', 'todavía', 'desde', 'buenos', 'días', 'pedido',
  ],
  it: [
    'il', 'lo', 'la', 'i', 'gli', 'le', 'un', 'una', 'e', 'è', 'sono', 'io', 'tu', 'lui', 'lei', 'noi', 'voi',
    'mio', 'mia', 'miei', 'suo', 'sua', 'che', 'di', 'del', 'della', 'dei', 'in', 'con', 'per', 'non', 'ma', 'o',
    'se', 'ciao', 'grazie', 'come', 'sto', 'ho', 'ha', 'hanno', 'molto', 'anche', 'già', 'ancora', 'mi', 'ti',
    'ci', 'si', 'al', 'alla', 'nel', 'nella', 'quando', 'dove', 'perché', 'questo', 'questa', 'buongiorno',
    'salve', 'ordine', 'sempre',
  ],
  pt: [
    'o', 'a', 'os', 'as', 'um', 'uma', 'e', 'é', 'são', 'eu', 'você', 'ele', 'ela', 'nós', 'meu', 'minha', 'seu',
    'sua', 'que', 'de', 'do', 'da', 'dos', 'das', 'em', 'no', 'na', 'com', 'por', 'para', 'não', 'mas', 'ou',
    'se', 'olá', 'obrigado', 'obrigada', 'como', 'estou', 'tenho', 'tem', 'há', 'muito', 'já', 'também', 'me',
    'lhe', 'ao', 'quando', 'onde', 'porque', 'isso', 'isto', 'foi', 'bom', 'dia', 'ainda', 'pedido', 'pela',
    'pelo',
  ],
  nl: [
    'de', 'het', 'een', 'en', 'is', 'zijn', 'ik', 'jij', 'je', 'hij', 'zij', 'wij', 'we', 'mijn', 'uw',
    'jullie', 'dat', 'die', 'wat', 'van', 'in', 'op', 'voor', 'met', 'niet', 'geen', 'maar', 'of', 'als',
    'hallo', 'bedankt', 'dank', 'hoe', 'ben', 'heb', 'heeft', 'hebben', 'zeer', 'ook', 'al', 'nog', 'mij', 'me',
    'ons', 'naar', 'bij', 'wanneer', 'waar', 'waarom', 'dit', 'deze', 'was', 'kan', 'graag', 'alstublieft',
    'bestelling', 'nu', 'er',
  ],
  sv: [
    'och', 'i', 'att', 'det', 'som', 'en', 'ett', 'är', 'jag', 'du', 'han', 'hon', 'vi', 'ni', 'de', 'min',
    'mitt', 'mina', 'din', 'ert', 'inte', 'med', 'på', 'för', 'av', 'till', 'från', 'men', 'eller', 'om', 'hej',
    'tack', 'hur', 'har', 'hade', 'var', 'kan', 'ska', 'vill', 'också', 'mycket', 'redan', 'mig', 'dig', 'oss',
    'när', 'varför', 'detta', 'den', 'här', 'fortfarande', 'beställning',
  ],
  pl: [
    'i', 'w', 'na', 'z', 'do', 'że', 'nie', 'się', 'jest', 'są', 'ja', 'ty', 'on', 'ona', 'my', 'wy', 'oni',
    'mój', 'moja', 'moje', 'twój', 'to', 'ten', 'ta', 'co', 'jak', 'ale', 'lub', 'czy', 'dla', 'od', 'po',
    'przez', 'dzień', 'dobry', 'dziękuję', 'proszę', 'mam', 'ma', 'mamy', 'bardzo', 'już', 'też', 'także',
    'mnie', 'mi', 'kiedy', 'gdzie', 'dlaczego', 'był', 'była', 'jestem', 'zamówienie', 'nadal',
  ],
}; // prettier-ignore

/** Letters that only some of these languages write, weighed like half a function word each. */
export const MARKER_LETTERS: Readonly<Record<string, readonly string[]>> = {
  ß: ['de'],
  ñ: ['es'],
  '¿': ['es'],
  '¡': ['es'],
  ã: ['pt'],
  õ: ['pt'],
  ç: ['fr', 'pt'],
  å: ['sv'],
  ą: ['pl'],
  ę: ['pl'],
  ł: ['pl'],
  ś: ['pl'],
  ź: ['pl'],
  ż: ['pl'],
  ń: ['pl'],
  ć: ['pl'],
  ü: ['de'],
  ä: ['de', 'sv'],
  ö: ['de', 'sv'],
  è: ['fr', 'it'],
  ê: ['fr', 'pt'],
  â: ['fr', 'pt'],
  ù: ['fr', 'it'],
  œ: ['fr'],
  ì: ['it'],
  ò: ['it'],
};
