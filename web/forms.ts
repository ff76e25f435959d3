import { byId, h } from './dom.js';
import type { CancelOrderInput, PlaceOrderInput, ReceivePaymentInput, ShipOrderInput } from './generated/graphql.js';

/** What the forms ask the page to do; each returns a line to show, and rejects with the server's error. */
export type OrderActions = {
  place(input: PlaceOrderInput): Promise<string>;
  pay(input: Omit<ReceivePaymentInput, 'orderId' | 'expectedVersion'>): Promise<string>;
  ship(input: Omit<ShipOrderInput, 'orderId' | 'expectedVersion'>): Promise<string>;
  cancel(input: Omit<CancelOrderInput, 'orderId' | 'expectedVersion'>): Promise<string>;
};

/** Wires the place-order form and the pay, ship and cancel forms; `report` shows each outcome. */
export function wireForms(actions: OrderActions, report: (outcome: Promise<string>) => void): void {
  addItemRow();
  byId('add-item').addEventListener('click', () => addItemRow());

  onSubmit('place-form', (fields) => {
    const items = [...byId('place-items').querySelectorAll('tbody tr')].map((row) => {
      const value = (name: string) => (row.querySelector(`[name="${name}"]`) as HTMLInputElement).value.trim();
      // A blank price is left to the catalog (a customer's order is priced by it anyway).
      return {
        productId: value('productId'),
        name: value('name'),
        quantity: Number(value('quantity')),
        unitPrice: value('unitPrice') || undefined,
      };
    });
    return actions.place({
      customerId: fields.customerId ?? '',
      orderId: fields.orderId || undefined,
      // A row left blank is not an item; the server refuses an order without any.
      items: items.filter((item) => item.productId !== '' || item.name !== ''),
    });
  });
  onSubmit('pay-form', (fields) =>
    actions.pay({ amount: fields.amount ?? '', method: fields.method ?? '', paymentId: `pay-${Date.now().toString(36)}` }),
  );
  onSubmit('ship-form', (fields) => actions.ship({ trackingNumber: fields.trackingNumber ?? '', carrier: fields.carrier ?? '' }));
  onSubmit('cancel-form', (fields) => actions.cancel({ reason: fields.reason ?? '' }));

  function onSubmit(formId: string, act: (fields: Record<string, string>) => Promise<string>): void {
    const form = byId<HTMLFormElement>(formId);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const fields = Object.fromEntries([...new FormData(form)].map(([name, value]) => [name, String(value).trim()]));
      report(act(fields));
    });
  }
}

/** Prefills the forms for the order just selected: the amount to pay is its total. */
export function prefillActions(total: string): void {
  (byId<HTMLFormElement>('pay-form').elements.namedItem('amount') as HTMLInputElement).value = total;
}

/** Pay and ship are for staff and admins (a payment comes from the payment provider): a customer sees only cancel. */
export function offerStaffActions(visible: boolean): void {
  for (const formId of ['pay-form', 'ship-form']) byId<HTMLFormElement>(formId).hidden = !visible;
}

export function prefillCustomer(customerId: string | undefined): void {
  (byId<HTMLFormElement>('place-form').elements.namedItem('customerId') as HTMLInputElement).value = customerId ?? '';
}

function addItemRow(): void {
  const input = (name: string, attributes: Record<string, string>) => h('td', {}, h('input', { name, 'aria-label': name, ...attributes }));
  byId('place-items')
    .querySelector('tbody')!
    .append(
      h(
        'tr',
        {},
        input('productId', { placeholder: 'p1', size: '8' }),
        input('name', { placeholder: 'Widget', size: '12' }),
        input('quantity', { type: 'number', min: '1', step: '1', value: '1', size: '4' }),
        input('unitPrice', { placeholder: 'catalog', size: '8' }),
      ),
    );
}
