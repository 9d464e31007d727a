/**
 * Word valences for the languages sentiment is scored in, on AFINN's scale (-5 to 5), written for support
 * messages rather than taken from a general lexicon: "refund", "cancel" or "issue" are what customers write
 * about, not how they feel, and weigh little or nothing, while "charged twice" or "still waiting" are
 * complaints however politely worded. Courtesies (thanks, merci) weigh 1, so that a "thanks" closing a
 * complaint does not cancel it.
 *
 * Entries of several words are matched before single words. Negations are listed as the words that start
 * them; French "ne ... pas" works through "pas", which comes right before what it negates.
 */
export interface Lexicon {
  readonly valences: Readonly<Record<string, number>>;
  /** Words that flip the valence of a sentiment word up to three words later. */
  readonly negators: readonly string[];
  /** Words that make the next sentiment word stronger. */
  readonly boosters: readonly string[];
  /** Words that make the next sentiment word weaker. */
  readonly dampeners: readonly string[];
  /** "but": what follows weighs more than what came before, in the same sentence. */
  readonly contrasts: readonly string[];
  /** Negators that, with a booster between, intensify instead ("never been so frustrated"). */
  readonly neverSo: readonly string[];
}

const en: Lexicon = {
  valences: {
    good: 1.9, great: 3, excellent: 3, amazing: 3, awesome: 3, fantastic: 3, perfect: 3, wonderful: 3,
    brilliant: 3, love: 3, loved: 3, happy: 2.5, glad: 2, pleased: 2, satisfied: 2, helpful: 2, nice: 2,
    easy: 1.5, quick: 1, smooth: 1.5, friendly: 2, impressed: 2.5, delighted: 3, recommend: 2, best: 2.5,
    appreciate: 2, appreciated: 2, thanks: 1, thank: 1, resolved: 1.5, fixed: 1.5, solved: 1.5,
    'well done': 2, 'works perfectly': 3,
    bad: -2.5, terrible: -3, awful: -3, horrible: -3, worst: -3.5, poor: -2, disappointed: -2.5,
    disappointing: -2.5, frustrated: -2.5, frustrating: -2.5, annoyed: -2, annoying: -2, angry: -3,
    furious: -3.5, upset: -2, unhappy: -2.5, unacceptable: -3, ridiculous: -2.5, useless: -2.5, broken: -2,
    problem: -1, problems: -1, error: -1, errors: -1, fail: -2, failed: -2, failing: -2, failure: -2,
    wrong: -1.5, slow: -1.5, crash: -2, crashes: -2, crashed: -2, crashing: -2, bug: -1, buggy: -2,
    scam: -3.5, fraud: -3, stolen: -2.5, hacked: -2.5, rude: -2.5, waste: -2, wasted: -2, disgusting: -3,
    hate: -3, hated: -3, sucks: -2.5, sad: -2, worried: -1.5, concerned: -1, confused: -1, confusing: -1.5,
    difficult: -1, impossible: -1.5, complaint: -1.5, lawyer: -2, overcharged: -2.5, incorrect: -1.5,
    missing: -1, lost: -1.5, damaged: -2, delayed: -1.5, late: -1, outage: -2, cancel: -1, unusable: -2.5,
    'still waiting': -2, 'charged twice': -2, 'double charged': -2, 'charged me twice': -2,
    'not working': -2, 'not work': -2, 'stopped working': -2, 'not load': -1.5, 'not loading': -1.5,
    'no response': -2, 'no answer': -2, 'no reply': -2, 'not received': -1.5, 'never received': -2,
    'never arrived': -2, 'not arrived': -2, 'rip off': -3, 'ripped off': -3, 'too long': -1.5,
    'fed up': -2.5, 'sick of': -2.5,
  },
  negators: ['not', 'no', 'never', 'without', 'nothing', 'nobody', 'none', 'neither', 'nor', 'hardly'],
  boosters: ['very', 'really', 'extremely', 'so', 'too', 'totally', 'completely', 'absolutely', 'incredibly',
    'super', 'highly', 'truly', 'such', 'most', 'utterly', 'pretty'],
  dampeners: ['slightly', 'somewhat', 'bit', 'little', 'kinda', 'marginally', 'barely'],
  contrasts: ['but', 'however', 'although', 'though', 'yet'],
  neverSo: ['never'],
}; // prettier-ignore

const fr: Lexicon = {
  valences: {
    bon: 1.9, bonne: 1.9, bien: 1.5, super: 2.5, génial: 3, géniale: 3, excellent: 3, excellente: 3,
    parfait: 3, parfaite: 3, merci: 1, satisfait: 2, satisfaite: 2, content: 2, contente: 2, ravi: 3, ravie: 3,
    rapide: 1, efficace: 2, aimable: 2, top: 2, résolu: 1.5, réglé: 1.5, formidable: 3, agréable: 2,
    mauvais: -2.5, mauvaise: -2.5, nul: -2.5, nulle: -2.5, horrible: -3, inadmissible: -3, inacceptable: -3,
    déçu: -2.5, déçue: -2.5, décevant: -2.5, décevante: -2.5, énervé: -2.5, énervée: -2.5, furieux: -3.5,
    furieuse: -3.5, problème: -1, problèmes: -1, erreur: -1, bug: -1, panne: -2, cassé: -2, cassée: -2,
    lent: -1.5, lente: -1.5, mal: -1.5, arnaque: -3.5, honteux: -3, scandaleux: -3, inutile: -2, impossible: -1.5,
    plainte: -1.5, perdu: -1.5, endommagé: -2, retard: -1.5, annuler: -1, fâché: -2.5, fâchée: -2.5,
    'marche pas': -2, 'fonctionne pas': -2, 'marche plus': -2, 'fonctionne plus': -2, 'aucune réponse': -2,
    'toujours rien': -2, 'débité deux fois': -2, 'prélevé deux fois': -2, 'pas reçu': -1.5,
    'toujours pas': -1.5, 'en ai marre': -2.5, 'ras le bol': -2.5,
  },
  negators: ['pas', 'jamais', 'rien', 'aucun', 'aucune', 'sans', 'ni', 'personne'],
  boosters: ['très', 'vraiment', 'trop', 'tellement', 'complètement', 'totalement', 'extrêmement', 'si',
    'aussi', 'absolument', 'hyper', 'particulièrement'],
  dampeners: ['peu', 'légèrement', 'plutôt', 'assez'],
  contrasts: ['mais', 'cependant', 'pourtant', 'toutefois'],
  neverSo: ['jamais'],
}; // prettier-ignore

const de: Lexicon = {
  valences: {
    gut: 1.9, gute: 1.9, super: 2.5, toll: 3, prima: 2.5, klasse: 2.5, perfekt: 3,
    ausgezeichnet: 3, danke: 1, dankbar: 2, zufrieden: 2, schnell: 1, freundlich: 2, hilfreich: 2,
    gelöst: 1.5, behoben: 1.5, großartig: 3, wunderbar: 3, begeistert: 3,
    schlecht: -2.5, schlechte: -2.5, schrecklich: -3, furchtbar: -3, katastrophe: -3, katastrophal: -3,
    enttäuscht: -2.5, enttäuschend: -2.5, ärgerlich: -2.5, verärgert: -2.5, wütend: -3, sauer: -2.5,
    unzufrieden: -2.5, inakzeptabel: -3, unverschämt: -3, frechheit: -3, problem: -1, probleme: -1,
    fehler: -1, kaputt: -2, defekt: -2, langsam: -1.5, betrug: -3.5, abzocke: -3.5, nutzlos: -2.5,
    beschwerde: -1.5, kündigen: -1, verloren: -1.5, beschädigt: -2, verspätet: -1.5, ärgern: -2,
    'funktioniert nicht': -2, 'geht nicht': -2, 'keine antwort': -2, 'keine rückmeldung': -2,
    'zweimal abgebucht': -2, 'doppelt abgebucht': -2, 'nicht erhalten': -1.5, 'nicht angekommen': -2,
    'gefällt mir nicht': -2, 'immer noch nicht': -1.5,
  },
  negators: ['nicht', 'kein', 'keine', 'keinen', 'keiner', 'keinem', 'nie', 'niemals', 'ohne', 'nichts'],
  boosters: ['sehr', 'wirklich', 'total', 'extrem', 'völlig', 'absolut', 'echt', 'so', 'besonders',
    'äußerst', 'richtig', 'unglaublich'],
  dampeners: ['etwas', 'bisschen', 'leicht', 'eher'],
  contrasts: ['aber', 'jedoch', 'allerdings', 'trotzdem'],
  neverSo: ['nie', 'niemals'],
}; // prettier-ignore

const es: Lexicon = {
  valences: {
    bueno: 1.9, buena: 1.9, bien: 1.5, genial: 3, excelente: 3, perfecto: 3, perfecta: 3, gracias: 1,
    contento: 2, contenta: 2, satisfecho: 2, satisfecha: 2, encantado: 3, encantada: 3, rápido: 1,
    amable: 2, útil: 2, resuelto: 1.5, solucionado: 1.5, maravilloso: 3, estupendo: 3,
    malo: -2.5, mala: -2.5, terrible: -3, horrible: -3, pésimo: -3.5, pésima: -3.5, fatal: -3,
    decepcionado: -2.5, decepcionada: -2.5, enfadado: -2.5, enfadada: -2.5, molesto: -2, molesta: -2,
    furioso: -3.5, furiosa: -3.5, inaceptable: -3, vergüenza: -2.5, problema: -1, problemas: -1, error: -1,
    roto: -2, rota: -2, lento: -1.5, lenta: -1.5, mal: -1.5, estafa: -3.5, inútil: -2.5, queja: -1.5, cancelar: -1,
    perdido: -1.5, dañado: -2, retraso: -1.5, harto: -2.5, harta: -2.5,
    'no funciona': -2, 'sin respuesta': -2, 'ninguna respuesta': -2, 'cobrado dos veces': -2,
    'cobraron dos veces': -2, 'no he recibido': -1.5, 'no recibí': -1.5, 'todavía no': -1.5,
    'sigo esperando': -2,
  },
  negators: ['no', 'nunca', 'jamás', 'sin', 'ni', 'nada', 'ningún', 'ninguna', 'ninguno', 'nadie'],
  boosters: ['muy', 'realmente', 'totalmente', 'demasiado', 'súper', 'tan', 'extremadamente',
    'completamente', 'sumamente', 'increíblemente'],
  dampeners: ['poco', 'algo', 'ligeramente'],
  contrasts: ['pero', 'aunque', 'embargo'],
  neverSo: ['nunca', 'jamás'],
}; // prettier-ignore

export const LEXICONS: Readonly<Record<string, Lexicon>> = { en, fr, de, es };
