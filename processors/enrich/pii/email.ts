import type { Finding } from './spans.js';

/**
 * Addresses as people type them, including internationalised ones (RFC 6531): a local part, @, and a domain
 * with a top-level label of letters. The top-level label must be letters so that a trailing full stop, or
 * something like `user@host` in a log line, is not taken with it. Quoted local parts are left out; nobody
 * writes them to a support desk.
 */
const EMAIL =
  /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*\.\p{L}{2,63}(?![\p{L}\p{N}])/gu;

export function findEmails(text: string): Finding[] {
  return [...text.matchAll(EMAIL)].map((m) => ({ start: m.index, end: m.index + m[0].length, redact: true }));
}
