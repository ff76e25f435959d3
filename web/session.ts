/** The bearer token the page signs in with, kept in localStorage (shared with /graphiql). */
const STORAGE_KEY = 'orderstream.token';

export type Claims = { sub?: string; role?: string; customerId?: string; exp?: number };

export function storedToken(): string | undefined {
  return localStorage.getItem(STORAGE_KEY) ?? undefined;
}

/** Keeps a pasted token (a leading "Bearer " is dropped); an empty one signs out. */
export function storeToken(token: string): string | undefined {
  const bare = token.trim().replace(/^Bearer\s+/i, '');
  if (bare === '') localStorage.removeItem(STORAGE_KEY);
  else localStorage.setItem(STORAGE_KEY, bare);
  return bare || undefined;
}

/**
 * What the token says about its holder, read without checking the signature (the server checks
 * it); undefined when it is not a JWT.
 */
export function claimsOf(token: string): Claims | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as Claims) : undefined;
  } catch {
    return undefined;
  }
}

/** "customer cust-1 (user-cust-1)", "staff (staff)", … */
export function describeClaims(claims: Claims | undefined): string {
  if (!claims) return 'a token that is not a JWT';
  const who = claims.role === 'customer' ? `customer ${claims.customerId ?? '?'}` : (claims.role ?? 'no role');
  const expires = claims.exp ? `, until ${new Date(claims.exp * 1000).toLocaleString()}` : '';
  return `${who} (${claims.sub ?? 'no subject'}${expires})`;
}

export type DevelopmentToken = { label: string; token: string };

/** Set by the server when it bundles this page (src/server/web/webRoutes.ts): true in development mode. */
declare const ORDERSTREAM_DEVELOPMENT_TOKENS: boolean;

/**
 * The tokens a server in development mode hands out to a browser on its machine; none otherwise
 * (outside development mode the page does not ask, so the browser logs no 404).
 */
export async function developmentTokens(): Promise<DevelopmentToken[]> {
  if (!ORDERSTREAM_DEVELOPMENT_TOKENS) return [];
  try {
    const response = await fetch('/dev-tokens');
    if (!response.ok) return [];
    const body = (await response.json()) as { tokens?: DevelopmentToken[] };
    return body.tokens ?? [];
  } catch {
    return [];
  }
}
