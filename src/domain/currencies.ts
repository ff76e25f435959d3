import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * ISO 4217's currencies and their minor units (the number of decimals an amount has: JPY 0, USD 2,
 * KWD 3), read from the standard's own list one, which the currency-codes package ships and updates
 * with each amendment. Funds (BOV, CLF, USN, …) and units without minor units (gold XAU, XDR, XXX)
 * are no shop's currency and are not listed; retired codes (HRK) are gone from the list.
 */
const LIST_ONE = createRequire(import.meta.url).resolve('currency-codes/iso-4217-list-one.xml');

const { published, minorUnits } = readListOne(readFileSync(LIST_ONE, 'utf8'));

/** The minor units of an ISO 4217 currency code; undefined for anything else ("ABC", "usd", "XAU"). */
export function minorUnitsOf(code: string): number | undefined {
  return minorUnits.get(code);
}

/** The date of the ISO 4217 list the table was read from. */
export const ISO_4217_PUBLISHED = published;

function readListOne(xml: string): { published: string; minorUnits: ReadonlyMap<string, number> } {
  const table = new Map<string, number>();
  for (const [, entry] of xml.matchAll(/<CcyNtry>([\s\S]*?)<\/CcyNtry>/g)) {
    const code = /<Ccy>([A-Z]{3})<\/Ccy>/.exec(entry!)?.[1];
    const units = /<CcyMnrUnts>(\d)<\/CcyMnrUnts>/.exec(entry!)?.[1];
    if (code === undefined || units === undefined || /IsFund="true"/.test(entry!)) continue;
    table.set(code, Number(units));
  }
  if (table.size < 100) throw new Error(`The ISO 4217 list at ${LIST_ONE} lists only ${table.size} currencies`);
  return { published: /Pblshd="([^"]+)"/.exec(xml)?.[1] ?? 'unknown', minorUnits: table };
}
