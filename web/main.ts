import { byId, h } from './dom.js';
import { offerStaffActions, prefillActions, prefillCustomer, wireForms } from './forms.js';
import {
  CancelOrderDocument,
  ChangePriceDocument,
  FiguresDocument,
  OrderEventsDocument,
  OrdersChangedDocument,
  OrdersDocument,
  PlaceOrderDocument,
  ProductsDocument,
  ProductStockChangedDocument,
  ReceivePaymentDocument,
  ShipOrderDocument,
  type OrderRowFragment,
  type TypedDocumentString,
} from './generated/graphql.js';
import { execute, ServerError } from './graphqlHttp.js';
import { followSubscription } from './liveSubscription.js';
import { LiveTransport } from './liveTransport.js';
import { money, OrdersView } from './ordersView.js';
import { offerPriceForm, prefillPrice, wirePriceForm } from './priceForm.js';
import { FiguresView } from './figuresView.js';
import { ProductsView } from './productsView.js';
import { claimsOf, describeClaims, developmentTokens, storedToken, storeToken } from './session.js';

const GRAPHQL_URL = '/graphql';
/** How many orders the first query loads; later ones arrive through the feed. */
const FIRST_ORDERS = 100;
/**
 * Products per page of the stock table. Each product shown is followed by its own subscription and
 * the server allows 50 per connection, so the page shows one page at a time, never more than this.
 */
const PRODUCTS_PER_PAGE = 40;
/**
 * The figures are asked for again this long after the first order change since they were last asked
 * for: at most once per this interval however fast orders change (each query sums the read model).
 */
const FIGURES_EVERY_MS = 2_000;
/** Staff's figures are in this currency; the others with activity are named beside them. */
const FIGURES_CURRENCY = 'USD';

/**
 * Everything that lives as long as one token: the WebSocket client, the feeds, the position the
 * orders feed has reached. Signing in with another token ends it and starts a new one.
 */
class Session {
  readonly authorization: string;
  private readonly client: LiveTransport;
  private readonly stops: (() => void)[] = [];
  /** The `after` cursor of each page up to the one shown: `[null]` on the first page. */
  private readonly productPages: (string | null)[] = [null];
  /** Where the next page starts, once the page shown has loaded and has a next one. */
  private nextProductsAfter: string | undefined;
  /** Numbers the loads of product pages, so that an answer overtaken by a newer load is dropped. */
  private productLoads = 0;
  /** The products shown, each with what stops following it; it stops when it leaves the page. */
  private readonly followedProducts = new Map<string, () => void>();
  private stopHistory: (() => void) | undefined;
  /** The highest log position of any order change seen: the feed resumes after it. */
  private lastPosition: number | undefined;
  private ended = false;
  private figuresTimer: ReturnType<typeof setTimeout> | undefined;
  /** Numbers the loads of the figures, so that an answer overtaken by a newer load is dropped. */
  private figuresLoads = 0;

  constructor(
    token: string,
    /** Staff and admins see the figures; customers may not ask for them. */
    private readonly showsFigures: boolean,
  ) {
    this.authorization = `Bearer ${token}`;
    let connectedBefore = false;
    this.client = new LiveTransport(this.authorization, {
      connecting: () => showConnection('connecting', connectedBefore ? 'reconnecting…' : 'connecting…'),
      connected: (transport) => {
        showConnection('live', transport === 'WebSocket' ? 'live' : `live (${transport})`);
        // The page shown again: products added while away, and the count.
        if (connectedBefore) void this.loadProducts();
        connectedBefore = true;
      },
      closed: () => {
        if (!this.ended) showConnection('offline', 'offline, reconnecting…');
      },
    });
  }

  start(): void {
    void this.followOrders();
    void this.loadProducts();
    if (this.showsFigures) void this.loadFigures();
  }

  end(): void {
    this.ended = true;
    clearTimeout(this.figuresTimer);
    this.stopHistory?.();
    for (const stop of this.stops) stop();
    for (const stop of this.followedProducts.values()) stop();
    this.client.dispose();
  }

  request<Result, Variables>(document: TypedDocumentString<Result, Variables>, variables: Variables): Promise<Result> {
    return execute(GRAPHQL_URL, this.authorization, document, variables);
  }

  /** 1. Load the newest orders; 2. follow every change after the highest position they carry. */
  private async followOrders(): Promise<void> {
    const page = await this.untilLoaded(() => this.request(OrdersDocument, { first: FIRST_ORDERS }));
    if (!page) return;
    ordersView.load(page.orders.nodes, page.orders.totalCount);
    this.lastPosition = Math.max(0, ...page.orders.nodes.map((order) => order.position));
    this.stops.push(
      followSubscription(this.client, {
        document: OrdersChangedDocument,
        variables: () => ({ afterPosition: this.lastPosition }),
        next: ({ ordersChanged }) => {
          this.lastPosition = Math.max(this.lastPosition ?? 0, ordersChanged.position);
          ordersView.apply(ordersChanged);
          this.figuresChanged();
        },
        failed: (error, signedOut) => this.failed(error, signedOut),
      }),
    );
  }

  /** Loads the figures afresh: the dashboard read model sums them, the page only shows them. */
  private async loadFigures(): Promise<void> {
    const load = ++this.figuresLoads;
    const answer = await this.untilLoaded(() => this.request(FiguresDocument, { currency: FIGURES_CURRENCY }));
    if (answer && !this.ended && load === this.figuresLoads) figuresView.show(answer.dashboard);
  }

  /**
   * An order changed: its figures did too. Asked for FIGURES_EVERY_MS after the first change not yet
   * shown, so a steady stream of changes (none of which would ever end a quiet period) still refreshes them.
   */
  private figuresChanged(): void {
    if (!this.showsFigures || this.figuresTimer !== undefined) return;
    this.figuresTimer = setTimeout(() => {
      this.figuresTimer = undefined;
      void this.loadFigures();
    }, FIGURES_EVERY_MS);
  }

  /** Shows the next page of products; nothing while the page shown is loading or is the last. */
  nextProducts(): void {
    if (this.nextProductsAfter === undefined) return;
    this.productPages.push(this.nextProductsAfter);
    this.nextProductsAfter = undefined;
    void this.loadProducts();
  }

  previousProducts(): void {
    if (this.productPages.length < 2) return;
    this.productPages.pop();
    this.nextProductsAfter = undefined;
    void this.loadProducts();
  }

  /**
   * 1. Loads the page of products shown, afresh (its count, and products added since); 2. follows
   * exactly its products, each by a subscription whose first message is the product as it is now.
   */
  private async loadProducts(): Promise<void> {
    const load = ++this.productLoads;
    const pageIndex = this.productPages.length - 1;
    const after = this.productPages[pageIndex] ?? null;
    const answer = await this.untilLoaded(() => this.request(ProductsDocument, { first: PRODUCTS_PER_PAGE, after }));
    if (!answer || this.ended || load !== this.productLoads) return;
    const { nodes, totalCount, pageInfo } = answer.products;
    this.nextProductsAfter = pageInfo.hasNextPage ? (pageInfo.endCursor ?? undefined) : undefined;
    // The offset counts whole pages before this one: products added to them since are not counted.
    productsView.show(nodes, {
      offset: pageIndex * PRODUCTS_PER_PAGE,
      totalCount,
      hasPrevious: pageIndex > 0,
      hasNext: this.nextProductsAfter !== undefined,
    });
    this.followProducts(nodes.map((product) => product.id));
  }

  /** Stops following the products no longer shown before following the new ones, so the server never counts more than a page. */
  private followProducts(productIds: readonly string[]): void {
    const shown = new Set(productIds);
    for (const [productId, stop] of this.followedProducts) {
      if (shown.has(productId)) continue;
      stop();
      this.followedProducts.delete(productId);
    }
    for (const productId of productIds) {
      if (this.followedProducts.has(productId)) continue;
      this.followedProducts.set(
        productId,
        followSubscription(this.client, {
          document: ProductStockChangedDocument,
          variables: () => ({ productId }),
          next: ({ productStockChanged }) => productsView.apply(productStockChanged),
          failed: (error, signedOut) => this.failed(error, signedOut),
        }),
      );
    }
  }

  /** Shows an order and follows its history from the start: the events after position 0, then live. */
  select(orderId: string): void {
    this.stopHistory?.();
    ordersView.select(orderId);
    const order = ordersView.get(orderId);
    if (order) prefillActions(order.total.amount);
    this.stopHistory = followSubscription(this.client, {
      document: OrderEventsDocument,
      variables: () => ({ orderId, afterPosition: ordersView.lastHistoryPosition }),
      next: ({ orderEvents }) => ordersView.addHistory(orderEvents),
      failed: (error) => showMessage(error),
    });
  }

  /** A query the page cannot start without: retried while the server is unreachable. */
  private async untilLoaded<T>(load: () => Promise<T>): Promise<T | undefined> {
    for (let pauseMs = 250; !this.ended; pauseMs = Math.min(pauseMs * 2, 3_000)) {
      try {
        return await load();
      } catch (error) {
        if (this.ended) return undefined;
        // A refusal in GraphQL's words is final; an unreachable server, a proxy's 502 or SERVICE_UNAVAILABLE is not.
        if (error instanceof ServerError && error.code !== undefined && error.code !== 'SERVICE_UNAVAILABLE') {
          this.failed(error, error.code === 'UNAUTHENTICATED');
          return undefined;
        }
        showConnection('offline', 'offline, reconnecting…');
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
    return undefined;
  }

  private failed(error: ServerError, signedOut: boolean): void {
    showMessage(error);
    if (signedOut) {
      this.end();
      showConnection('signed-out', 'signed out');
    }
  }
}

const ordersView = new OrdersView((orderId) => session?.select(orderId));
const productsView = new ProductsView(prefillPrice);
const figuresView = new FiguresView();
let session: Session | undefined;

function signIn(token: string | undefined): void {
  session?.end();
  session = undefined;
  ordersView.clear();
  productsView.clear();
  figuresView.clear();
  const claims = token ? claimsOf(token) : undefined;
  byId('who').textContent = token ? `Signed in as ${describeClaims(claims)}` : 'Not signed in.';
  prefillCustomer(claims?.customerId);
  const isStaff = claims?.role === 'staff' || claims?.role === 'admin';
  offerPriceForm(isStaff);
  offerStaffActions(isStaff);
  figuresView.offer(isStaff);
  if (!token) {
    showConnection('signed-out', 'signed out');
    return;
  }
  session = new Session(token, isStaff);
  session.start();
}

/** One mutation through the current session, answered with the order it left. */
async function mutate<Variables>(
  document: TypedDocumentString<Record<string, OrderRowFragment>, Variables>,
  variables: Variables,
): Promise<OrderRowFragment> {
  if (!session) throw new ServerError('Sign in first: paste a token above', 'UNAUTHENTICATED');
  const data = await session.request(document, variables);
  const order = Object.values(data)[0]!;
  ordersView.apply(order);
  return order;
}

function selected(): OrderRowFragment {
  const order = ordersView.selectedId === undefined ? undefined : ordersView.get(ordersView.selectedId);
  if (!order) throw new ServerError('Select an order first', undefined);
  return order;
}

function showConnection(state: string, text: string): void {
  const badge = byId('connection');
  badge.dataset.state = state;
  badge.textContent = text;
}

function showMessage(outcome: ServerError | Error | string): void {
  const message = byId('message');
  message.className = typeof outcome === 'string' ? 'ok' : 'error';
  message.textContent = String(outcome);
}

wireForms(
  {
    place: async (input) => {
      const order = await mutate(PlaceOrderDocument, { input });
      session?.select(order.id);
      return `Order ${order.id} placed: ${order.total.amount} ${order.total.currency}`;
    },
    pay: async (input) => {
      const { id, version } = selected();
      const order = await mutate(ReceivePaymentDocument, { input: { ...input, orderId: id, expectedVersion: version } });
      return `Order ${order.id} paid`;
    },
    ship: async (input) => {
      const { id, version } = selected();
      const order = await mutate(ShipOrderDocument, { input: { ...input, orderId: id, expectedVersion: version } });
      return `Order ${order.id} shipped`;
    },
    cancel: async (input) => {
      const { id, version } = selected();
      const order = await mutate(CancelOrderDocument, { input: { ...input, orderId: id, expectedVersion: version } });
      return `Order ${order.id} cancelled`;
    },
  },
  report,
);

wirePriceForm(async (input) => {
  if (!session) throw new ServerError('Sign in first: paste a token above', 'UNAUTHENTICATED');
  // The version shown is the one the change is meant for: a product changed meanwhile is a CONFLICT.
  const expectedVersion = productsView.get(String(input.productId))?.version;
  const { changePrice } = await session.request(ChangePriceDocument, { input: { ...input, expectedVersion } });
  productsView.apply(changePrice);
  return changePrice.price ? `Product ${changePrice.id} now costs ${money(changePrice.price)}` : `Product ${changePrice.id} has no price`;
}, report);

function report(outcome: Promise<string>): void {
  outcome.then(showMessage, (error: unknown) => showMessage(error instanceof Error ? error : String(error)));
}

byId<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId<HTMLInputElement>('token');
  signIn(storeToken(input.value));
  input.value = '';
  showMessage('');
});
byId('sign-out').addEventListener('click', () => signIn(storeToken('')));
byId('products-previous').addEventListener('click', () => session?.previousProducts());
byId('products-next').addEventListener('click', () => session?.nextProducts());

// Role buttons, only while the server runs with its public development secret.
void developmentTokens().then((tokens) => {
  if (tokens.length === 0) return;
  const bar = byId('dev-tokens');
  bar.append(...tokens.map(({ label }) => h('button', { type: 'button', 'data-dev-token': label }, label)));
  bar.addEventListener('click', (event) => {
    const label = (event.target as Element).getAttribute('data-dev-token');
    const token = tokens.find((candidate) => candidate.label === label)?.token;
    if (token) signIn(storeToken(token));
  });
  bar.hidden = false;
});

signIn(storedToken());
