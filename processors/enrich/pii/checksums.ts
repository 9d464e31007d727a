/**
 * The check digits that tell a real card number or IBAN from a number that merely looks like one. Redacting
 * only what passes keeps order numbers, tracking codes and typos in the text, where agents need them.
 */

/** Luhn (ISO/IEC 7812): every card network's check digit. `digits` holds digits only. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * ISO 13616 / ISO 7064 mod 97-10: country and check digits moved to the end, letters as 10..35, the whole
 * number modulo 97 must be 1. `iban` is compact and upper case. Computed piecewise because the number has
 * up to 70 digits.
 */
export function ibanChecksumValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = (remainder * (value > 9 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}
