import { byId } from './dom.js';
import type { ChangePriceInput, ProductRowFragment } from './generated/graphql.js';

/** What the price form asks the page to do: returns a line to show, rejects with the server's error. */
export type ChangePrice = (input: Pick<ChangePriceInput, 'productId' | 'unitPrice' | 'currency'>) => Promise<string>;

/** Wires the change-price form under the stock table; `report` shows each outcome. */
export function wirePriceForm(changePrice: ChangePrice, report: (outcome: Promise<string>) => void): void {
  const form = priceForm();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    report(changePrice({ productId: value('productId'), unitPrice: value('unitPrice'), currency: value('currency') || undefined }));
  });
}

/** Prefills the form with the product just clicked and its current price. */
export function prefillPrice(product: ProductRowFragment): void {
  const form = priceForm();
  const set = (name: string, value: string) => ((form.elements.namedItem(name) as HTMLInputElement).value = value);
  set('productId', product.id);
  set('unitPrice', product.price?.amount ?? '');
  if (product.price) set('currency', product.price.currency);
}

/** Only staff and admins may change prices: the form is hidden from anyone else (the server refuses them too). */
export function offerPriceForm(visible: boolean): void {
  priceForm().hidden = !visible;
}

function priceForm(): HTMLFormElement {
  return byId<HTMLFormElement>('price-form');
}
