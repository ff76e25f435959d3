import { AddProductDocument, GetProductDocument } from '../../generated/graphql.js';
import type { Random } from '../seededRandom.js';
import { post, postData } from './post.js';

/** A product of the catalog the clients' customers order from, at its price. */
export type CatalogProduct = { productId: string; name: string; unitPrice: string; currency: 'USD' | 'EUR' };

/** Products per currency: the customers' lines are drawn from these. */
export const CATALOG_SIZE = 7;

/** The id of the catalog's `index`th product in `currency`. */
export function catalogProductId(index: number, currency: 'USD' | 'EUR'): string {
  return currency === 'USD' ? `sku-${index}` : `sku-${index}-eur`;
}

/** CATALOG_SIZE products priced in USD and as many in EUR, at prices drawn from `random`. */
export function drawCatalog(random: Random): CatalogProduct[] {
  return (['USD', 'EUR'] as const).flatMap((currency) =>
    Array.from({ length: CATALOG_SIZE }, (_, index) => ({
      productId: catalogProductId(index, currency),
      name: `Item sku-${index}`,
      unitPrice: (1 + Math.floor(random() * 9_999) / 100).toFixed(2),
      currency,
    })),
  );
}

/**
 * Adds the products as an admin, with stock no order runs out of, and returns the catalog as the
 * server has it: a product already there (a loop over a file it ran on before) is left as it is, at its price there.
 */
export async function addCatalog(url: string, catalog: readonly CatalogProduct[]): Promise<CatalogProduct[]> {
  const added: CatalogProduct[] = [];
  for (const product of catalog) {
    const { productId, name, unitPrice, currency } = product;
    const answer = await post(url, AddProductDocument, { input: { productId, name, quantity: 1_000_000_000, unitPrice, currency } });
    if (answer.kind === 'unanswered') throw new Error(`No answer adding ${productId}: ${String(answer.error)}`);
    const code = answer.errors?.[0]?.extensions?.code;
    if (code === undefined) {
      added.push(product);
      continue;
    }
    if (code !== 'CONFLICT') throw new Error(`Adding ${productId} failed: ${JSON.stringify(answer.errors)}`);
    const { product: there } = await postData(url, GetProductDocument, { id: productId });
    if (there?.price?.currency !== currency)
      throw new Error(`Product ${productId} is there already, priced ${JSON.stringify(there?.price)}, not in ${currency}`);
    added.push({ ...product, unitPrice: there.price.amount });
  }
  return added;
}
