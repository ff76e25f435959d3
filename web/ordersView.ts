import { byId, formatTime, h } from './dom.js';
import type { OrderEventsSubscription, OrderRowFragment } from './generated/graphql.js';

export type HistoryEvent = OrderEventsSubscription['orderEvents'];

/**
 * The orders table and the selected order's panel. Holds the newest view of each order it has
 * seen: a message about an order older than the one shown (a replay overlapping the first query) is
 * ignored, so applying the same change twice changes nothing.
 */
export class OrdersView {
  private readonly orders = new Map<string, OrderRowFragment>();
  private history: HistoryEvent[] = [];
  private totalCount = 0;
  selectedId: string | undefined;

  constructor(private readonly onSelect: (orderId: string) => void) {
    byId('orders').addEventListener('click', (event) => {
      const row = (event.target as Element).closest('tr[data-order-id]');
      const id = row?.getAttribute('data-order-id');
      if (id) this.onSelect(id);
    });
  }

  clear(): void {
    this.orders.clear();
    this.totalCount = 0;
    this.selectedId = undefined;
    this.history = [];
    this.render();
  }

  /** The orders of the first query; `totalCount` is how many the server has in all. */
  load(orders: readonly OrderRowFragment[], totalCount: number): void {
    for (const order of orders) this.apply(order, false);
    this.totalCount = totalCount;
    this.render();
  }

  apply(order: OrderRowFragment, render = true): void {
    const known = this.orders.get(order.id);
    if (known && known.position >= order.position) return;
    if (!known) this.totalCount++;
    this.orders.set(order.id, order);
    if (render) this.render();
  }

  get(orderId: string): OrderRowFragment | undefined {
    return this.orders.get(orderId);
  }

  select(orderId: string | undefined): void {
    this.selectedId = orderId;
    this.history = [];
    this.render();
  }

  /** One event of the selected order's history; replays overlapping what is shown are ignored. */
  addHistory(event: HistoryEvent): void {
    if (this.history.some((known) => known.position >= event.position)) return;
    this.history.push(event);
    this.renderHistory();
  }

  /** The position of the last history event shown, 0 when none. */
  get lastHistoryPosition(): number {
    return this.history.at(-1)?.position ?? 0;
  }

  private render(): void {
    const newestFirst = [...this.orders.values()].sort((a, b) => b.placedAt.localeCompare(a.placedAt) || b.position - a.position);
    byId('orders-count').textContent = `${this.orders.size} shown of ${Math.max(this.totalCount, this.orders.size)}`;
    byId('orders')
      .querySelector('tbody')!
      .replaceChildren(
        ...newestFirst.map((order) =>
          h(
            'tr',
            { 'data-order-id': order.id, class: order.id === this.selectedId ? 'selected' : undefined },
            h('td', { 'data-field': 'id' }, order.id),
            h('td', { 'data-field': 'customer' }, order.customerId),
            h('td', { 'data-field': 'status' }, h('span', { class: `status ${order.status.toLowerCase()}` }, order.status)),
            h('td', { 'data-field': 'total', class: 'number' }, money(order.total)),
            h('td', { 'data-field': 'updated' }, formatTime(order.updatedAt)),
            h('td', { 'data-field': 'version', class: 'number' }, String(order.version)),
          ),
        ),
      );
    this.renderDetail();
    this.renderHistory();
  }

  private renderDetail(): void {
    const order = this.selectedId === undefined ? undefined : this.orders.get(this.selectedId);
    byId('detail-id').textContent = this.selectedId ?? '–';
    byId('actions').hidden = order === undefined;
    if (!order) {
      byId('detail').replaceChildren(h('p', { class: 'hint' }, 'Click an order to see it and its history.'));
      return;
    }
    const facts: [string, string | null | undefined][] = [
      ['Status', order.status],
      ['Customer', order.customerId],
      ['Total', money(order.total)],
      ['Placed', formatTime(order.placedAt)],
      ['Last change', `${formatTime(order.updatedAt)} (version ${order.version}, position ${order.position})`],
      ['Ship to', order.shipping && shipTo(order.shipping)],
      ['Payment', order.paymentId],
      ['Shipment', order.trackingNumber && `${order.carrier ?? ''} ${order.trackingNumber}`],
      ['Cancelled', order.cancellationReason && `${order.cancellationReason}${order.refund ? `, refunded ${money(order.refund)}` : ''}`],
    ];
    byId('detail').replaceChildren(
      h(
        'dl',
        {},
        ...facts
          .filter(([, value]) => value)
          .flatMap(([term, value]) => [h('dt', {}, term), h('dd', { 'data-field': term.toLowerCase() }, value)]),
      ),
      h(
        'ul',
        { class: 'items' },
        ...order.items.map((item) => h('li', {}, `${item.quantity} × ${item.name} (${item.productId}) at ${item.unitPrice.amount}`)),
      ),
    );
  }

  private renderHistory(): void {
    byId('history').replaceChildren(
      ...this.history.map((event) =>
        h(
          'li',
          { 'data-event-type': event.type, 'data-version': String(event.version) },
          h('strong', {}, event.type),
          ` v${event.version} · position ${event.position} · ${formatTime(event.occurredAt)} · by ${event.userId}`,
          h('code', {}, JSON.stringify(event.data)),
        ),
      ),
    );
  }
}

export function money(value: { amount: string; currency: string }): string {
  return `${value.amount} ${value.currency}`;
}

/** The shipping details on one line, or what became of them: a forgotten customer's are erased. */
function shipTo(shipping: NonNullable<OrderRowFragment['shipping']>): string {
  if (shipping.status === 'ERASED') return 'erased (the customer was forgotten)';
  if (shipping.status === 'UNREADABLE') return 'unreadable (see the server log)';
  const { recipientName, addressLines, postalCode, city, region, country, email } = shipping;
  const place = [postalCode, city].filter(Boolean).join(' ');
  return `${[recipientName, ...addressLines, place, region, country].filter(Boolean).join(', ')} · ${email}`;
}
