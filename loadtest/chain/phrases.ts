/**
 * Everything the generator wraps around an intent's text, per language: slot values, greetings, context,
 * complaints, sign-offs and sentences carrying personal data. Written for this benchmark; names, merchants
 * and addresses are invented, emails use the reserved example domains.
 */
import type { Language } from './intents.js';

type PerLanguage<T> = Readonly<Record<Language, T>>;

/** Values of the `{slot}`s in intent texts. */
export const SLOTS: PerLanguage<Readonly<Record<string, readonly string[]>>> = {
  en: {
    when: ['this morning', 'yesterday', 'last night', 'on Monday', 'on Saturday', 'two days ago', 'last week'],
    days: ['two weeks', '3 days', 'ten days', 'a week', 'five working days', 'almost a month'],
    city: ['Madrid', 'Lisbon', 'Berlin', 'Paris', 'Manchester', 'Valencia', 'Porto', 'Milan', 'Leeds', 'Seville'],
    country: ['Portugal', 'Mexico', 'Germany', 'Canada', 'Japan', 'Morocco', 'Thailand', 'Brazil'],
    currency: ['US dollars', 'Swiss francs', 'Japanese yen', 'euros', 'Mexican pesos'],
    atm: ['Station Road', 'the airport', 'the supermarket on High Street', 'the shopping centre'],
    person: ['my landlord', 'my sister', 'Ana', 'Mr Patel', 'my daughter', 'a friend', 'my builder'],
  },
  es: {
    when: ['esta mañana', 'ayer', 'anoche', 'el lunes', 'el sábado', 'hace dos días', 'la semana pasada'],
    days: ['dos semanas', '3 días', 'diez días', 'una semana', 'casi un mes'],
    city: ['Madrid', 'Sevilla', 'Valencia', 'Bilbao', 'Málaga', 'Zaragoza', 'Ciudad de México'],
    country: ['Portugal', 'México', 'Alemania', 'Argentina', 'Colombia', 'Marruecos'],
    currency: ['dólares', 'francos suizos', 'libras', 'pesos mexicanos'],
    atm: ['la estación', 'el aeropuerto', 'la calle Mayor', 'el centro comercial'],
    person: ['mi casero', 'mi hermana', 'Lucía', 'el fontanero', 'mi hijo', 'una amiga'],
  },
  fr: {
    when: ['ce matin', 'hier', 'hier soir', 'lundi', 'samedi dernier'],
    days: ['deux semaines', '3 jours', 'dix jours'],
    city: ['Paris', 'Lyon', 'Marseille', 'Bordeaux', 'Lille'],
    country: ['le Portugal', 'le Canada', 'le Maroc'],
    currency: ['dollars', 'livres sterling', 'francs suisses'],
    atm: ['la gare', 'l’aéroport'],
    person: ['mon propriétaire', 'ma sœur', 'Camille'],
  },
  de: {
    when: ['heute Morgen', 'gestern', 'gestern Abend', 'am Montag', 'letzte Woche'],
    days: ['zwei Wochen', 'drei Tagen', 'zehn Tagen', 'einer Woche'],
    city: ['Berlin', 'Hamburg', 'München', 'Köln', 'Leipzig'],
    country: ['Portugal', 'Kanada', 'Japan'],
    currency: ['US-Dollar', 'Schweizer Franken', 'Pfund'],
    atm: ['dem Bahnhof', 'dem Flughafen'],
    person: ['meinen Vermieter', 'meine Schwester', 'Herrn Becker'],
  },
  pt: {
    when: ['esta manhã', 'ontem', 'ontem à noite', 'na segunda-feira', 'na semana passada'],
    days: ['duas semanas', '3 dias', 'dez dias'],
    city: ['Lisboa', 'Porto', 'Coimbra', 'Braga', 'São Paulo'],
    country: ['Espanha', 'Brasil', 'França', 'Angola'],
    currency: ['dólares', 'libras', 'reais'],
    atm: ['a estação', 'o aeroporto'],
    person: ['o meu senhorio', 'a minha irmã', 'o João'],
  },
  it: {
    when: ['stamattina', 'ieri', 'ieri sera', 'lunedì', 'la settimana scorsa'],
    days: ['due settimane', '3 giorni', 'dieci giorni'],
    city: ['Milano', 'Roma', 'Torino', 'Napoli', 'Bologna'],
    country: ['Portogallo', 'Canada', 'Giappone'],
    currency: ['dollari', 'sterline', 'franchi svizzeri'],
    atm: ['la stazione', 'l’aeroporto'],
    person: ['il mio padrone di casa', 'mia sorella', 'Giulia'],
  },
};

/** Merchants are names, the same in every language. */
export const MERCHANTS = [
  'Brightmart',
  'Cafe Lumen',
  'Northline Rail',
  'ShopRight Online',
  'Pixel Games',
  'Green Grocer',
  'City Cinema',
  'Hotel Miramar',
  'FlyAway Airlines',
  'StreamBox',
  'Casa Verde',
  'Urban Threads',
  'QuickCab',
  'BookNook',
  'FitZone Gym',
];

export const GREETINGS: PerLanguage<readonly string[]> = {
  en: ['Hi,', 'Hello,', 'Good morning,', 'Dear support team,', 'Hey there,', 'Good afternoon,'],
  es: ['Hola,', 'Buenos días,', 'Buenas tardes,', 'Estimado equipo de soporte:'],
  fr: ['Bonjour,', 'Madame, Monsieur,'],
  de: ['Hallo,', 'Guten Tag,', 'Sehr geehrte Damen und Herren,'],
  pt: ['Olá,', 'Bom dia,', 'Boa tarde,'],
  it: ['Ciao,', 'Buongiorno,', 'Gentile assistenza,'],
};

export const SIGN_OFFS: PerLanguage<readonly string[]> = {
  en: ['Thanks.', 'Thank you for your help.', 'Kind regards,', 'Best,', 'Cheers,', 'Many thanks in advance.'],
  es: ['Gracias.', 'Un saludo,', 'Saludos cordiales,', 'Muchas gracias de antemano.'],
  fr: ['Merci.', 'Cordialement,', 'Merci d’avance.'],
  de: ['Danke.', 'Mit freundlichen Grüßen,', 'Vielen Dank im Voraus.'],
  pt: ['Obrigado.', 'Cumprimentos,', 'Obrigada desde já.'],
  it: ['Grazie.', 'Cordiali saluti,', 'Grazie in anticipo.'],
};

/** Sentences that add length and background without changing what the message is about. */
export const CONTEXT: PerLanguage<readonly string[]> = {
  en: [
    'I have been a customer for {years} years and this has never happened before.',
    'I already tried restarting the app and logging out and in again.',
    'This is quite urgent because I am travelling next week.',
    'I checked the help pages but could not find an answer.',
    'My partner has the same problem with her card.',
    'I need this sorted before my rent is due on Friday.',
    'I called the phone line but waited forty minutes and gave up.',
    'The app shows no error message at all, it just keeps loading.',
    'Could you also tell me whether this affects anything else on my account?',
    'I am writing from my work computer because the app will not open on my phone.',
    'I have attached nothing because I do not know what you need, just tell me.',
    'Last month something similar happened and it took a week to fix.',
    'I use the account for my small business, so every day without it costs me money.',
    'I am not very good with technology, so please explain the steps simply.',
  ],
  es: [
    'Soy cliente desde hace {years} años y nunca me había pasado.',
    'Ya he probado a cerrar la aplicación y volver a entrar.',
    'Es bastante urgente porque viajo la semana que viene.',
    'He mirado la página de ayuda pero no encuentro la respuesta.',
    'Llamé por teléfono pero estuve esperando cuarenta minutos.',
    'Necesito solucionarlo antes del viernes, que pago el alquiler.',
    'Uso la cuenta para mi negocio y cada día sin ella me cuesta dinero.',
  ],
  fr: [
    'Je suis client depuis {years} ans et cela ne m’était jamais arrivé.',
    'J’ai déjà essayé de redémarrer l’application.',
    'C’est assez urgent car je pars en voyage la semaine prochaine.',
  ],
  de: [
    'Ich bin seit {years} Jahren Kunde und das ist noch nie passiert.',
    'Ich habe die App schon neu gestartet.',
    'Es ist dringend, weil ich nächste Woche verreise.',
  ],
  pt: [
    'Sou cliente há {years} anos e nunca me aconteceu isto.',
    'Já tentei reiniciar a aplicação.',
    'É urgente porque vou viajar na próxima semana.',
  ],
  it: [
    'Sono cliente da {years} anni e non mi era mai successo.',
    'Ho già provato a riavviare l’app.',
    'È urgente perché la settimana prossima parto.',
  ],
};

/** What an upset customer adds: the route stage sends negative messages to a person. */
export const COMPLAINTS: PerLanguage<readonly string[]> = {
  en: [
    'This is completely unacceptable.',
    'I am really angry about this.',
    'This is the third time I am writing and nobody answers!',
    'Fix this NOW or I will close my account.',
    'Honestly, your service has been terrible lately.',
  ],
  es: ['Esto es inaceptable.', '¡Es la tercera vez que escribo y nadie responde!', 'Estoy muy enfadado.'],
  fr: ['C’est inadmissible.', 'Je suis très mécontent.'],
  de: ['Das ist völlig inakzeptabel.', 'Ich bin sehr verärgert.'],
  pt: ['Isto é inaceitável.', 'Estou muito chateado.'],
  it: ['È inaccettabile.', 'Sono molto arrabbiato.'],
};

export type PiiKind = 'email' | 'phone' | 'card' | 'iban';

/** Sentences carrying personal data, which enrich must redact before anything is indexed. */
export const PII_SENTENCES: PerLanguage<Readonly<Record<PiiKind, readonly string[]>>> = {
  en: {
    email: ['You can reach me at {email}.', 'My email is {email} in case you need it.', 'Please reply to {email}.'],
    phone: ['Please call me back on {phone}.', 'My number is {phone}.'],
    card: ['The card number is {card}.', 'It is this card: {card}.'],
    iban: ['My IBAN is {iban}.', 'The money should go to {iban}.'],
  },
  es: {
    email: ['Mi correo es {email}.', 'Podéis escribirme a {email}.'],
    phone: ['Podéis llamarme al {phone}.', 'Mi teléfono es el {phone}.'],
    card: ['El número de la tarjeta es {card}.'],
    iban: ['Mi IBAN es {iban}.'],
  },
  fr: {
    email: ['Mon adresse e-mail est {email}.'],
    phone: ['Vous pouvez me rappeler au {phone}.'],
    card: ['Le numéro de la carte est {card}.'],
    iban: ['Mon IBAN est {iban}.'],
  },
  de: {
    email: ['Meine E-Mail-Adresse ist {email}.'],
    phone: ['Sie erreichen mich unter {phone}.'],
    card: ['Die Kartennummer ist {card}.'],
    iban: ['Meine IBAN lautet {iban}.'],
  },
  pt: {
    email: ['O meu email é {email}.'],
    phone: ['Podem ligar-me para o {phone}.'],
    card: ['O número do cartão é {card}.'],
    iban: ['O meu IBAN é {iban}.'],
  },
  it: {
    email: ['La mia email è {email}.'],
    phone: ['Potete richiamarmi al {phone}.'],
    card: ['Il numero della carta è {card}.'],
    iban: ['Il mio IBAN è {iban}.'],
  },
};

export const FIRST_NAMES: PerLanguage<readonly string[]> = {
  en: ['Maria', 'Tom', 'Priya', 'Jonas', 'Ahmed', 'Sophie', 'Liam', 'Grace', 'Daniel', 'Aisha', 'Oliver'],
  es: ['Lucía', 'Javier', 'Carmen', 'Diego', 'Elena', 'Pablo', 'Marta'],
  fr: ['Camille', 'Louis', 'Chloé', 'Hugo'],
  de: ['Lena', 'Felix', 'Anna', 'Jan'],
  pt: ['Inês', 'João', 'Beatriz', 'Tiago'],
  it: ['Giulia', 'Marco', 'Chiara', 'Luca'],
};

export const LAST_NAMES: PerLanguage<readonly string[]> = {
  en: ['Smith', 'Patel', 'Brown', 'Okafor', 'Walsh', 'Khan', 'Evans', 'Murphy'],
  es: ['García', 'López', 'Martín', 'Sánchez', 'Romero', 'Navarro'],
  fr: ['Martin', 'Bernard', 'Dubois', 'Laurent'],
  de: ['Müller', 'Schmidt', 'Becker', 'Wagner'],
  pt: ['Silva', 'Santos', 'Ferreira', 'Costa'],
  it: ['Rossi', 'Bianchi', 'Romano', 'Ricci'],
};

/** Locale hints a channel might report for each language. */
export const LOCALES: PerLanguage<readonly string[]> = {
  en: ['en-GB', 'en-US', 'en-IE', 'en'],
  es: ['es-ES', 'es-MX', 'es'],
  fr: ['fr-FR', 'fr-BE'],
  de: ['de-DE', 'de-AT'],
  pt: ['pt-PT', 'pt-BR'],
  it: ['it-IT'],
};

/** Where an amount's currency goes, per language. */
export const AMOUNT_FORMATS: PerLanguage<readonly ((n: string) => string)[]> = {
  en: [(n) => `£${n}`, (n) => `€${n}`, (n) => `$${n}`, (n) => `${n} euros`, (n) => `${n} pounds`],
  es: [(n) => `${n.replace('.', ',')} €`, (n) => `${n.replace('.', ',')} euros`],
  fr: [(n) => `${n.replace('.', ',')} €`],
  de: [(n) => `${n.replace('.', ',')} €`, (n) => `${n.replace('.', ',')} Euro`],
  pt: [(n) => `${n.replace('.', ',')} €`, (n) => `R$ ${n.replace('.', ',')}`],
  it: [(n) => `${n.replace('.', ',')} €`],
};

/** Country calling code and a national number pattern (x: any digit) per language. */
export const PHONE_FORMATS: PerLanguage<readonly string[]> = {
  // 07700 900xxx is the UK's range reserved for fiction; 555-01xx likewise in North America.
  en: ['+44 7700 900xxx', '07700 900xxx', '+1 202 555 01xx'],
  es: ['+34 6xx xxx xxx', '6xx xx xx xx'],
  fr: ['+33 6 xx xx xx xx'],
  de: ['+49 151 xxxx xxxx'],
  pt: ['+351 91x xxx xxx'],
  it: ['+39 3xx xxx xxxx'],
};

/** IBAN country and the pattern of its basic bank account number (x: a digit), per language. */
export const IBAN_FORMATS: PerLanguage<{ country: string; bban: string }> = {
  en: { country: 'GB', bban: 'NWBKxxxxxxxxxxxxxx' },
  es: { country: 'ES', bban: 'xxxxxxxxxxxxxxxxxxxx' },
  fr: { country: 'FR', bban: 'xxxxxxxxxxxxxxxxxxxxxxx' },
  de: { country: 'DE', bban: 'xxxxxxxxxxxxxxxxxx' },
  pt: { country: 'PT', bban: 'xxxxxxxxxxxxxxxxxxxxx' },
  it: { country: 'IT', bban: 'Xxxxxxxxxxxxxxxxxxxxxxx' },
};
