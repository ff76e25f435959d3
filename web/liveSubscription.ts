import { ServerError, serverError } from './graphqlHttp.js';
import type { TypedDocumentString } from './generated/graphql.js';
import type { SubscriptionClient, SubscriptionResult } from './liveTransport.js';

/** Close codes after which subscribing again cannot help until the user signs in again. */
const SIGNED_OUT_CLOSE_CODES = new Set([4401, 4403]);
/** Error codes a subscription can end with that say "try again" rather than "no". */
const RETRYABLE_ERROR_CODES = new Set(['SERVICE_UNAVAILABLE']);
const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 3_000;

export type LiveSubscriptionOptions<Result, Variables> = {
  document: TypedDocumentString<Result, Variables>;
  /**
   * The variables of each attempt, asked afresh every time, so a resumed subscription carries the
   * last position the page saw (graphql-ws itself would resend the first payload).
   */
  variables: () => Variables;
  next: (data: Result) => void;
  /** The subscription has ended for good: the server refused it, or signed the page out. */
  failed: (error: ServerError, signedOut: boolean) => void;
};

/**
 * Follows a subscription (over WebSocket or SSE, see LiveTransport) across dropped connections, server restarts and 4503 ("too far behind")
 * closes: after any of them it pauses (250 ms, doubling to 3 s) and subscribes again with fresh
 * variables. The client must be created with `retryAttempts: 0`, so that a closed socket ends every
 * subscription here instead of being resubscribed by graphql-ws with stale variables. Returns a
 * function that stops following.
 */
export function followSubscription<Result, Variables extends Record<string, unknown>>(
  client: SubscriptionClient,
  options: LiveSubscriptionOptions<Result, Variables>,
): () => void {
  let stopped = false;
  let iterator: AsyncIterableIterator<SubscriptionResult<Result>> | undefined;
  let wake: (() => void) | undefined;

  void (async () => {
    let pauseMs = FIRST_PAUSE_MS;
    while (!stopped) {
      iterator = client.iterate<Result>({ query: options.document.toString(), variables: options.variables() });
      try {
        for await (const result of iterator) {
          if (stopped) return;
          // Over SSE a refusal is a result with errors and no data; over graphql-ws it is thrown.
          if (!result.data && result.errors) throw result.errors;
          pauseMs = FIRST_PAUSE_MS;
          if (result.data) options.next(result.data);
        }
        if (stopped) return;
        // Completed by the server (it ends a feed, e.g. on shutdown): follow it again.
      } catch (error) {
        if (stopped) return;
        const verdict = judge(error);
        if (verdict) {
          stopped = true;
          options.failed(verdict.error, verdict.signedOut);
          return;
        }
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, pauseMs);
      });
      pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS);
    }
  })();

  return () => {
    stopped = true;
    void iterator?.return?.();
    wake?.();
  };
}

/** Undefined when subscribing again may work; otherwise why it cannot. */
function judge(error: unknown): { error: ServerError; signedOut: boolean } | undefined {
  if (Array.isArray(error)) {
    const refusal = serverError(error as { message: string; extensions?: { code?: unknown } }[]);
    return refusal.code !== undefined && RETRYABLE_ERROR_CODES.has(refusal.code) ? undefined : { error: refusal, signedOut: false };
  }
  // GraphQL over SSE: the stream refused with 401 (no valid token) or 403.
  const status = (error as { response?: { status?: number } } | null)?.response?.status;
  if (status === 401 || status === 403) {
    return { error: new ServerError('Sign in again', status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN'), signedOut: true };
  }
  if (isCloseEvent(error) && SIGNED_OUT_CLOSE_CODES.has(error.code)) {
    return { error: new ServerError(error.reason || 'Signed out', error.code === 4401 ? 'UNAUTHENTICATED' : 'FORBIDDEN'), signedOut: true };
  }
  return undefined;
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'number';
}
