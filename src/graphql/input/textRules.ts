import { MAX_ID_LENGTH, MAX_TEXT_LENGTH } from '../../domain/order/limits.js';
import { badUserInput } from '../errors.js';

/** A rule for one input field: throws BAD_USER_INPUT naming `field`, or returns. */
export type TextRule = (value: string, field: string) => void;

const ID = /^[A-Za-z0-9._:-]+$/;
// Cc is C0 (U+0000–U+001F), DEL and C1 (U+007F–U+009F); Cs is a surrogate standing alone (a pair is one code point).
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;

/** Order, customer, product and payment ids: 1 to 100 of A-Z a-z 0-9 . _ : - */
export const ID_DESCRIPTION = `1 to ${MAX_ID_LENGTH} of A-Z a-z 0-9 . _ : -`;
export const TEXT_DESCRIPTION = `At most ${MAX_TEXT_LENGTH} characters, no control characters`;

export const checkId: TextRule = (value, field) => {
  if (value.length > MAX_ID_LENGTH) throw badUserInput(`${field} must be at most ${MAX_ID_LENGTH} characters, got ${value.length}`, field);
  if (!ID.test(value)) {
    throw badUserInput(`${field} must be 1 to ${MAX_ID_LENGTH} of A-Z a-z 0-9 . _ : -, got ${preview(value)}`, field);
  }
};

export const checkText: TextRule = (value, field) => {
  if (value.length > MAX_TEXT_LENGTH) {
    throw badUserInput(`${field} must be at most ${MAX_TEXT_LENGTH} characters, got ${value.length}`, field);
  }
};

/** Any string input: no control characters (tab and newline included), no lone surrogates. */
export const checkCharacters: TextRule = (value, field) => {
  const found = CONTROL_OR_LONE_SURROGATE.exec(value);
  if (!found) return;
  const codePoint = `U+${found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const what = /\p{Cs}/u.test(found[0]) ? `a lone surrogate (${codePoint})` : `a control character (${codePoint})`;
  throw badUserInput(`${field} must be text without control characters or lone surrogates; found ${what} at index ${found.index}`, field);
};

/** The value as JSON (control characters and lone surrogates escaped), cut to 40 characters. */
function preview(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
