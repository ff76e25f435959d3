import { byId, h } from './dom.js';
import type { ProductRowFragment } from './generated/graphql.js';
import { money } from './ordersView.js';

/** Where the page shown sits in the catalog, as its query answered. */
export type ProductPage = {
  /** How many products come before it: the pages before it times the page size. */
  offset: number;
  totalCount: number;
  hasPrevious: boolean;
  hasNext: boolean;
};

const NO_PAGE: ProductPage = { offset: 0, totalCount: 0, hasPrevious: false, hasNext: false };

/**
 * The stock table: one page of products in the server's order (by product id), each at the newest
 * version seen, with its price, and the pager under it.
 */
export class ProductsView {
  private products = new Map<string, ProductRowFragment>();
  private page = NO_PAGE;

  constructor(private readonly onSelect: (product: ProductRowFragment) => void) {
    byId('products').addEventListener('click', (event) => {
      const row = (event.target as Element).closest('tr[data-product-id]');
      const product = this.get(row?.getAttribute('data-product-id') ?? '');
      if (product) this.onSelect(product);
    });
  }

  clear(): void {
    this.show([], NO_PAGE);
  }

  has(productId: string): boolean {
    return this.products.has(productId);
  }

  get(productId: string): ProductRowFragment | undefined {
    return this.products.get(productId);
  }

  /** Shows a page in place of the one shown; a product's subscription may have brought a newer version than the query. */
  show(products: readonly ProductRowFragment[], page: ProductPage): void {
    const shown = new Map<string, ProductRowFragment>();
    for (const product of products) {
      const known = this.products.get(product.id);
      shown.set(product.id, known && known.version > product.version ? known : product);
    }
    this.products = shown;
    this.page = page;
    this.render();
  }

  /** A newer version of a product shown; one on another page waits until that page is loaded. */
  apply(product: ProductRowFragment): void {
    const known = this.products.get(product.id);
    if (!known || known.version > product.version) return;
    this.products.set(product.id, product);
    this.render();
  }

  private render(): void {
    byId('products-count').textContent = this.describeCount();
    const pager = byId('products-pager');
    pager.hidden = !this.page.hasPrevious && !this.page.hasNext;
    byId<HTMLButtonElement>('products-previous').disabled = !this.page.hasPrevious;
    byId<HTMLButtonElement>('products-next').disabled = !this.page.hasNext;
    byId('products')
      .querySelector('tbody')!
      .replaceChildren(
        ...[...this.products.values()].map((product) =>
          h(
            'tr',
            { 'data-product-id': product.id },
            h('td', {}, product.id),
            h('td', {}, product.name),
            // Unpriced: in stock, but customers cannot order it until staff price it.
            h(
              'td',
              { 'data-field': 'price', class: 'number', title: product.price ? undefined : 'no price yet' },
              product.price ? money(product.price) : '–',
            ),
            h('td', { 'data-field': 'onHand', class: 'number' }, String(product.onHand)),
            h('td', { 'data-field': 'reserved', class: 'number' }, String(product.reserved)),
            h('td', { 'data-field': 'available', class: 'number' }, String(product.available)),
          ),
        ),
      );
  }

  /** "45 products" when one page holds them all, else e.g. "41–45 of 45 products". */
  private describeCount(): string {
    const { offset, totalCount } = this.page;
    const size = this.products.size;
    if (totalCount === 0) return 'none yet';
    if (offset === 0 && size === totalCount) return `${totalCount} products`;
    if (size === 0) return `none of ${totalCount} products here`;
    return `${offset + 1}–${offset + size} of ${totalCount} products`;
  }
}
