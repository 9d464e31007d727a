/**
 * The fixed texts of drafts: the greeting and closing around an extracted answer, and the holding reply
 * sent when there is nothing grounded to say. They state no facts about the org, its products or its
 * timings, so they can be sent to any customer of any org without checking.
 */
import { baseLanguage } from '../retrieve/terms.js';

export interface TemplateSet {
  greeting: string;
  closing: string;
  /** Acknowledges and sets expectations; answers nothing. */
  holding: string;
}

/** Bumped whenever a text below changes, so drafts can be compared per template version. */
export const TEMPLATE_VERSION = 'templates@1';

const TEMPLATES: Readonly<Record<string, TemplateSet>> = {
  en: {
    greeting: 'Hello, and thank you for getting in touch.',
    closing: 'If this does not answer your question, just reply to this message and a member of our team will help.',
    holding:
      'We have received your message and a member of our support team will look into it and reply as soon as possible.',
  },
  es: {
    greeting: 'Hola, gracias por ponerte en contacto con nosotros.',
    closing: 'Si esto no responde a tu pregunta, responde a este mensaje y una persona de nuestro equipo te ayudará.',
    holding:
      'Hemos recibido tu mensaje y una persona de nuestro equipo de atención lo revisará y te responderá lo antes posible.',
  },
  fr: {
    greeting: 'Bonjour, et merci de nous avoir contactés.',
    closing:
      'Si cela ne répond pas à votre question, répondez simplement à ce message et un membre de notre équipe vous aidera.',
    holding:
      "Nous avons bien reçu votre message ; un membre de notre équipe d'assistance va l'examiner et vous répondra dès que possible.",
  },
  de: {
    greeting: 'Hallo, vielen Dank für Ihre Nachricht.',
    closing:
      'Falls das Ihre Frage nicht beantwortet, antworten Sie einfach auf diese Nachricht und unser Team hilft Ihnen weiter.',
    holding:
      'Wir haben Ihre Nachricht erhalten. Ein Mitglied unseres Support-Teams sieht sie sich an und antwortet Ihnen so bald wie möglich.',
  },
  pt: {
    greeting: 'Olá, obrigado por entrar em contacto connosco.',
    closing:
      'Se isto não responder à sua pergunta, basta responder a esta mensagem e alguém da nossa equipa irá ajudar.',
    holding:
      'Recebemos a sua mensagem e alguém da nossa equipa de apoio irá analisá-la e responder o mais breve possível.',
  },
};

const FALLBACK = 'en';

/** The templates for a language (by primary subtag), and the language they are actually in. */
export function templatesFor(language: string): { language: string; templates: TemplateSet } {
  const base = baseLanguage(language);
  const templates = TEMPLATES[base];
  return templates ? { language: base, templates } : { language: FALLBACK, templates: TEMPLATES[FALLBACK]! };
}

/** A reply: greeting, body and closing as separate paragraphs. */
export function wrapReply(templates: TemplateSet, body: string): string {
  return `${templates.greeting}\n\n${body}\n\n${templates.closing}`;
}
