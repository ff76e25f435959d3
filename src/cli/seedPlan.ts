/**
 * The demo data set `seed` writes, as a plan: a catalog with stock, customers, and every order's
 * life (placed, paid, shipped or cancelled) as timed actions over the last `days` days. Pure and
 * deterministic: the same options give the same plan, whatever the day (times are relative to
 * `now`). Running the plan through the real commands, and the orderFulfilment process's reactions,
 * is seed.ts's job.
 */

export type SeedOptions = {
  /** The random seed: the same seed gives the same data set. */
  seed: number;
  orders: number;
  /** Default: one customer for every four orders. */
  customers?: number;
  /** The orders are spread over this many days up to now. */
  days?: number;
};

export type CatalogProduct = {
  productId: string;
  name: string;
  unitPriceMinor: number;
  /** Relative chance of being in an order. */
  popularity: number;
  /** The most of it one line asks for. */
  maxQuantity: number;
  /**
   * Stock as a share of the plan's demand for it: above 1 is plenty, below 1 runs out (orders
   * then cancelled "out of stock" by the order process). Undefined: inventory does not track it.
   */
  stockShare?: number;
  /** Restocked twice during the period (a third of the demand each time). */
  restocked?: boolean;
};

/** The currency of the catalog's prices (the products' `price`). */
export const CATALOG_CURRENCY = 'USD';

/** What a shop of desk gear sells; prices in cents. */
export const CATALOG: readonly CatalogProduct[] = [
  { productId: 'widget', name: 'Widget', unitPriceMinor: 2999, popularity: 10, maxQuantity: 3, stockShare: 0.8, restocked: true },
  { productId: 'gadget', name: 'Gadget', unitPriceMinor: 4999, popularity: 8, maxQuantity: 2, stockShare: 0.8, restocked: true },
  {
    productId: 'usb-c-cable',
    name: 'USB-C cable, 2 m',
    unitPriceMinor: 1299,
    popularity: 9,
    maxQuantity: 5,
    stockShare: 0.8,
    restocked: true,
  },
  { productId: 'wireless-mouse', name: 'Wireless mouse', unitPriceMinor: 2499, popularity: 6, maxQuantity: 2, stockShare: 1.3 },
  { productId: 'mechanical-keyboard', name: 'Mechanical keyboard', unitPriceMinor: 8999, popularity: 4, maxQuantity: 1, stockShare: 1.3 },
  { productId: 'desk-lamp', name: 'Desk lamp', unitPriceMinor: 3450, popularity: 5, maxQuantity: 2, stockShare: 1.3 },
  { productId: 'coffee-mug', name: 'Coffee mug', unitPriceMinor: 1200, popularity: 7, maxQuantity: 4, stockShare: 0.8, restocked: true },
  { productId: 'notebook-a5', name: 'Notebook A5, dotted', unitPriceMinor: 450, popularity: 6, maxQuantity: 5, stockShare: 1.5 },
  { productId: 'headphones', name: 'Noise-cancelling headphones', unitPriceMinor: 19999, popularity: 3, maxQuantity: 1, stockShare: 1.2 },
  { productId: 'monitor-27', name: '27-inch monitor', unitPriceMinor: 27999, popularity: 2, maxQuantity: 2, stockShare: 1.2 },
  { productId: 'webcam-hd', name: 'HD webcam', unitPriceMinor: 6999, popularity: 3, maxQuantity: 1, stockShare: 1.2 },
  // Scarce: these run out, and the orders that want them are cancelled by the order process.
  { productId: 'ergonomic-chair', name: 'Ergonomic chair', unitPriceMinor: 24900, popularity: 2, maxQuantity: 1, stockShare: 0.6 },
  { productId: 'standing-desk', name: 'Standing desk', unitPriceMinor: 49900, popularity: 2, maxQuantity: 1, stockShare: 0.4 },
  { productId: 'limited-print', name: 'Limited edition print', unitPriceMinor: 15000, popularity: 2, maxQuantity: 2, stockShare: 0.3 },
  // Not tracked by inventory: the order process reserves nothing for it.
  { productId: 'gift-card-25', name: 'Gift card, 25.00', unitPriceMinor: 2500, popularity: 2, maxQuantity: 2 },
];

export type PlannedLine = { productId: string; name: string; quantity: number; unitPriceMinor: number };

export type SeedAction = { at: number } & (
  | { kind: 'addProduct'; productId: string; name: string; quantity: number; unitPriceMinor: number; currency: string }
  | { kind: 'restock'; productId: string; quantity: number }
  | { kind: 'place'; orderId: string; customerId: string; currency: string; items: PlannedLine[] }
  | { kind: 'pay'; orderId: string; customerId: string; paymentId: string; method: string }
  | { kind: 'ship'; orderId: string; carrier: string; trackingNumber: string; estimatedDelivery: string }
  | { kind: 'cancel'; orderId: string; customerId: string; reason: string; by: 'customer' | 'staff' }
);

export type SeedPlan = {
  customerIds: string[];
  /** Products inventory tracks (the catalog but the untracked ones). */
  productIds: string[];
  /** In time order; `at` is milliseconds since the epoch. */
  actions: SeedAction[];
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DEFAULT_DAYS = 30;
/** The share of the orders placed in the last RECENT_MINUTES before now (at least one). */
const RECENT_SHARE = 0.03;
const RECENT_MINUTES = 20;

const PAYMENT_METHODS = [
  ['credit_card', 65],
  ['paypal', 20],
  ['apple_pay', 10],
  ['bank_transfer', 5],
] as const;
const CARRIERS = ['UPS', 'DHL', 'FedEx', 'USPS'] as const;
const CUSTOMER_REASONS = ['changed my mind', 'ordered by mistake', 'found a better price', 'no longer needed'];
const STAFF_REASONS = ['refund requested by the customer', 'payment flagged as fraudulent', 'shipping address could not be verified'];

/** The plan for `options`, with times up to `now` (milliseconds since the epoch). */
export function planSeed(options: SeedOptions, now: number): SeedPlan {
  const random = randomSource(options.seed);
  const days = options.days ?? DEFAULT_DAYS;
  const customerCount = options.customers ?? Math.max(1, Math.round(options.orders / 4));
  const start = now - days * DAY;
  const customers = Array.from({ length: customerCount }, (_, index) => ({
    customerId: `cust-${pad(index + 1, customerCount, 3)}`,
    // Most customers pay in dollars, some in euros: the dashboard shows each currency apart.
    currency: random.chance(0.15) ? 'EUR' : 'USD',
  }));

  const actions: SeedAction[] = [];
  const demand = new Map<string, number>();
  // The last few orders came in during the last 20 minutes: still within the payment timeout (30
  // minutes by default), some of them are pending, where older unpaid orders have expired.
  const recent = Math.max(1, Math.round(options.orders * RECENT_SHARE));
  const recentFrom = now - RECENT_MINUTES * MINUTE;
  const earlierOrders = options.orders - recent;
  for (let index = 0; index < options.orders; index++) {
    const orderId = `ord-${pad(index + 1, options.orders, 4)}`;
    // A few customers order often, most now and then.
    const customer = customers[Math.floor(customerCount * random.next() ** 1.6)]!;
    const placedAt =
      index < earlierOrders
        ? Math.round(start + ((index + random.next()) / earlierOrders) * (recentFrom - start))
        : Math.round(recentFrom + ((index - earlierOrders + random.next()) / recent) * (now - recentFrom - MINUTE));
    const items = orderLines(random);
    for (const item of items) demand.set(item.productId, (demand.get(item.productId) ?? 0) + item.quantity);
    const { customerId, currency } = customer;
    actions.push({ at: placedAt, kind: 'place', orderId, customerId, currency, items });
    actions.push(...orderLife(random, { orderId, customerId, placedAt }).filter((action) => action.at <= now));
  }

  // Stock follows the demand planned, so every size of data set has products that run out.
  const tracked = CATALOG.filter((product) => product.stockShare !== undefined);
  for (const product of tracked) {
    const wanted = demand.get(product.productId) ?? 0;
    const quantity = product.stockShare! >= 1 ? Math.ceil(wanted * product.stockShare!) + 2 : Math.floor(wanted * product.stockShare!);
    const { productId, name, unitPriceMinor } = product;
    actions.push({ at: start - HOUR, kind: 'addProduct', productId, name, quantity, unitPriceMinor, currency: CATALOG_CURRENCY });
    if (product.restocked) {
      for (const share of [1 / 3, 2 / 3]) {
        actions.push({
          at: Math.round(start + share * (now - start)),
          kind: 'restock',
          productId: product.productId,
          quantity: Math.ceil(wanted / 3) + 1,
        });
      }
    }
  }

  // Stable: actions at the same time keep the order they were planned in.
  const ordered = actions.map((action, index) => ({ action, index })).sort((a, b) => a.action.at - b.action.at || a.index - b.index);
  return {
    customerIds: customers.map((customer) => customer.customerId),
    productIds: tracked.map((product) => product.productId),
    actions: ordered.map(({ action }) => action),
  };
}

/** One to four lines of distinct products, popular ones more often. */
function orderLines(random: RandomSource): PlannedLine[] {
  const count = random.weighted([
    [1, 45],
    [2, 30],
    [3, 17],
    [4, 8],
  ] as const);
  const candidates = [...CATALOG];
  const lines: PlannedLine[] = [];
  for (let index = 0; index < count; index++) {
    const product = random.weighted(candidates.map((candidate) => [candidate, candidate.popularity] as const));
    candidates.splice(candidates.indexOf(product), 1);
    const quantity = Math.min(
      product.maxQuantity,
      random.weighted([
        [1, 75],
        [2, 18],
        [3, 5],
        [4, 2],
      ] as const),
    );
    lines.push({ productId: product.productId, name: product.name, quantity, unitPriceMinor: product.unitPriceMinor });
  }
  return lines;
}

/** What happens to an order after it is placed; the caller drops what would happen after now. */
function orderLife(random: RandomSource, order: { orderId: string; customerId: string; placedAt: number }): SeedAction[] {
  const { orderId, customerId, placedAt } = order;
  const fate = random.next();
  if (fate < 0.07) {
    const reason = random.pick(CUSTOMER_REASONS);
    // While it is unpaid, so before it expires (30 minutes by default).
    return [{ at: placedAt + random.between(2 * MINUTE, 25 * MINUTE), kind: 'cancel', orderId, customerId, reason, by: 'customer' }];
  }
  if (fate < 0.12) return []; // never paid: expires, unless placed within the payment timeout before now
  // The payment provider confirms most payments within minutes, inside the default payment timeout.
  const paidAt = placedAt + random.between(MINUTE, 20 * MINUTE);
  const method = random.weighted(PAYMENT_METHODS);
  const pay: SeedAction = { at: paidAt, kind: 'pay', orderId, customerId, paymentId: `pay-${orderId}`, method };
  const afterPayment = random.next();
  if (afterPayment < 0.06) {
    const reason = random.pick(STAFF_REASONS);
    return [pay, { at: paidAt + random.between(HOUR, 2 * DAY), kind: 'cancel', orderId, customerId, reason, by: 'staff' }];
  }
  if (afterPayment < 0.16) return [pay]; // awaiting shipment
  const shippedAt = paidAt + random.between(4 * HOUR, 3 * DAY);
  const carrier = random.pick(CARRIERS);
  const estimatedDelivery = new Date(shippedAt + random.between(2 * DAY, 6 * DAY)).toISOString().slice(0, 10);
  return [pay, { at: shippedAt, kind: 'ship', orderId, carrier, trackingNumber: trackingNumber(random, carrier), estimatedDelivery }];
}

function trackingNumber(random: RandomSource, carrier: (typeof CARRIERS)[number]): string {
  const digits = (length: number) => Array.from({ length }, () => random.between(0, 9)).join('');
  const alphanumeric = (length: number) => Array.from({ length }, () => random.pick([...'0123456789ABCDEFGHJKLMNPRSTVWXYZ'])).join('');
  switch (carrier) {
    case 'UPS':
      return `1Z${alphanumeric(16)}`;
    case 'DHL':
      return digits(10);
    case 'FedEx':
      return digits(12);
    case 'USPS':
      return `9400${digits(18)}`;
  }
}

/** `n` zero-padded to the width of `largest`, at least `minimum` digits: 7 of 200 → "007". */
function pad(n: number, largest: number, minimum: number): string {
  return String(n).padStart(Math.max(minimum, String(largest).length), '0');
}

type RandomSource = ReturnType<typeof randomSource>;

/** A seeded pseudo-random source (mulberry32): the same seed gives the same sequence everywhere. */
export function randomSource(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    /** In [0, 1). */
    next,
    chance: (probability: number): boolean => next() < probability,
    /** A whole number from `min` to `max`, both included. */
    between: (min: number, max: number): number => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    /** One of the values, each as likely as its weight. */
    weighted<T>(choices: readonly (readonly [T, number])[]): T {
      const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
      let target = next() * total;
      for (const [value, weight] of choices) {
        target -= weight;
        if (target < 0) return value;
      }
      return choices[choices.length - 1]![0];
    },
  };
}
