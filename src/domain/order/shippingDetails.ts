import { isCountryCode } from '../countries.js';
import { ValidationError } from '../errors.js';

/**
 * Where an order ships and whom to tell: personal data, so it is sealed before it enters the log
 * (src/privacy/) and can be erased with its customer's key. Messages about it never repeat a value.
 */
export type ShippingDetails = {
  recipientName: string;
  /** One to three lines: street and number, building, apartment. */
  addressLines: string[];
  city: string;
  postalCode: string | null;
  region: string | null;
  /** ISO 3166-1 alpha-2, upper case: "DE", "US". */
  country: string;
  email: string;
};

export const MAX_ADDRESS_LINES = 3;
const MAX_NAME_LENGTH = 200;
const MAX_LINE_LENGTH = 200;
const MAX_PLACE_LENGTH = 100;
const MAX_POSTAL_CODE_LENGTH = 20;
const POSTAL_CODE = /^[A-Za-z0-9][A-Za-z0-9 -]*$/;
/** RFC 5321 limits (64 before the @, 254 in all) and one @ between two non-blank parts, the second with a dot. */
const MAX_EMAIL_LENGTH = 254;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/** The details with text trimmed, or a ValidationError naming the field (`shipping.city`, …) and the rule. */
export function requireShippingDetails(
  details: Omit<ShippingDetails, 'postalCode' | 'region'> & Partial<Pick<ShippingDetails, 'postalCode' | 'region'>>,
): ShippingDetails {
  const recipientName = requireText(details.recipientName.trim(), 'shipping.recipientName', MAX_NAME_LENGTH);
  const addressLines = details.addressLines.map((line) => line.trim());
  if (addressLines.length < 1 || addressLines.length > MAX_ADDRESS_LINES) {
    throw new ValidationError(`An address has 1 to ${MAX_ADDRESS_LINES} lines, got ${addressLines.length}`, 'shipping.addressLines');
  }
  for (const [index, line] of addressLines.entries()) requireText(line, `shipping.addressLines[${index}]`, MAX_LINE_LENGTH);
  const city = requireText(details.city.trim(), 'shipping.city', MAX_PLACE_LENGTH);
  const postalCode = optionalText(details.postalCode);
  if (postalCode !== null && (postalCode.length > MAX_POSTAL_CODE_LENGTH || !POSTAL_CODE.test(postalCode))) {
    throw new ValidationError(
      `A postal code has at most ${MAX_POSTAL_CODE_LENGTH} letters, digits, spaces and hyphens`,
      'shipping.postalCode',
    );
  }
  const region = optionalText(details.region);
  if (region !== null) requireText(region, 'shipping.region', MAX_PLACE_LENGTH);
  if (!isCountryCode(details.country)) {
    throw new ValidationError('The country must be an ISO 3166-1 alpha-2 code in upper case, such as "DE" or "US"', 'shipping.country');
  }
  const email = details.email.trim();
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) {
    throw new ValidationError('The email address must look like name@example.com', 'shipping.email');
  }
  return { recipientName, addressLines, city, postalCode, region, country: details.country, email };
}

function requireText(value: string, field: string, maxLength: number): string {
  if (value === '') throw new ValidationError(`${field} must not be empty`, field);
  if (value.length > maxLength) throw new ValidationError(`${field} must be at most ${maxLength} characters`, field);
  return value;
}

function optionalText(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}
