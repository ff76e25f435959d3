import { expect } from 'vitest';

/** Distinctive values, so a search of bytes finds them only where they are. */
export const ALICE = {
  recipientName: 'Quintessa Marchbanks',
  addressLines: ['17 Zebrastraat', 'Apartment Zulu-4b'],
  city: 'Utrechtburg',
  postalCode: '3512 ZX',
  region: 'Noord-Kwartier',
  country: 'NL',
  email: 'quintessa.marchbanks@example.org',
};
export const BOB = {
  recipientName: 'Bartholomew Ossington',
  addressLines: ['9 Quillfeather Lane'],
  city: 'Lower Wimbleton',
  postalCode: 'QX9 7PT',
  region: null,
  country: 'GB',
  email: 'b.ossington@example.net',
};
export const valuesOf = (details: typeof ALICE | typeof BOB) =>
  [details.recipientName, ...details.addressLines, details.city, details.postalCode, details.region, details.email].filter(
    (value): value is string => value !== null,
  );
export const ERASED = {
  status: 'ERASED',
  recipientName: '[erased]',
  addressLines: ['[erased]'],
  city: '[erased]',
  postalCode: '[erased]',
  region: '[erased]',
  country: '[erased]',
  email: '[erased]',
};

export function expectNoneOf(values: string[], text: string, where: string): void {
  for (const value of values) expect(text.includes(value), `${where} holds "${value}"`).toBe(false);
}
