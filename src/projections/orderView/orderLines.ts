import type { OrderLine } from '../../domain/order/index.js';

/** One row of order_view_items, less the order id. */
export type OrderLineRow = {
  lineNumber: number;
  productId: string;
  name: string;
  quantity: number;
  unitPriceMinor: number;
  lineTotalMinor: number;
};

/** An order's lines as both backends store them: numbered from 1, each with its total in minor units. */
export function orderLineRows(items: readonly OrderLine[]): OrderLineRow[] {
  return items.map((item, index) => ({
    lineNumber: index + 1,
    productId: item.productId,
    name: item.name,
    quantity: item.quantity,
    unitPriceMinor: item.unitPriceMinor,
    lineTotalMinor: item.unitPriceMinor * item.quantity,
  }));
}

/** Sum of the items' quantities. */
export function itemCountOf(items: readonly OrderLine[]): number {
  return items.reduce((sum, item) => sum + item.quantity, 0);
}
