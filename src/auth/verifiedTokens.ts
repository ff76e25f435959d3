import type { Principal } from './principal.js';

const CAPACITY = 10_000;

/**
 * Tokens verified lately and who they say is asking, so that a client sending the same token with
 * every request pays the signature check once. A token is only ever valid until it expires (there is
 * no revocation), so an entry is used until then and no longer. The oldest entry goes first when full.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Principal>();

  get(token: string, now = Date.now()): Principal | undefined {
    const principal = this.entries.get(token);
    if (principal && principal.expiresAt <= now) {
      this.entries.delete(token);
      return undefined;
    }
    return principal;
  }

  remember(token: string, principal: Principal): void {
    if (this.entries.size >= CAPACITY) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, principal);
  }
}
