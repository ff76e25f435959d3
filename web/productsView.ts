import { byId, h } from './dom.js';
import type { ProductRowFragment } from './generated/graphql.js';
import { money } from './ordersView.js';

/** The stock table: the newest version of each product seen, by product id, with its price. */
export class ProductsView {
  private readonly products = new Map<string, ProductRowFragment>();

  constructor(private readonly onSelect: (product: ProductRowFragment) => void) {
    byId('products').addEventListener('click', (event) => {
      const row = (event.target as Element).closest('tr[data-product-id]');
      const product = this.get(row?.getAttribute('data-product-id') ?? '');
      if (product) this.onSelect(product);
    });
  }

  clear(): void {
    this.products.clear();
    this.render();
  }

  has(productId: string): boolean {
    return this.products.has(productId);
  }

  get(productId: string): ProductRowFragment | undefined {
    return this.products.get(productId);
  }

  apply(product: ProductRowFragment): void {
    const known = this.products.get(product.id);
    if (known && known.version > product.version) return;
    this.products.set(product.id, product);
    this.render();
  }

  private render(): void {
    const byProductId = [...this.products.values()].sort((a, b) => a.id.localeCompare(b.id));
    byId('products-count').textContent = this.products.size ? `${this.products.size} products` : 'none yet';
    byId('products')
      .querySelector('tbody')!
      .replaceChildren(
        ...byProductId.map((product) =>
          h(
            'tr',
            { 'data-product-id': product.id },
            h('td', {}, product.id),
            h('td', {}, product.name),
            // Unpriced: in stock, but customers cannot order it until staff price it.
            h('td', { 'data-field': 'price', class: 'number', title: product.price ? undefined : 'no price yet' }, product.price ? money(product.price) : '–'),
            h('td', { 'data-field': 'onHand', class: 'number' }, String(product.onHand)),
            h('td', { 'data-field': 'reserved', class: 'number' }, String(product.reserved)),
            h('td', { 'data-field': 'available', class: 'number' }, String(product.available)),
          ),
        ),
      );
  }
}
