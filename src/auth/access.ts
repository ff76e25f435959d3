import { AuthenticationError } from './authenticationError.js';
import { ForbiddenError } from './forbiddenError.js';
import type { Principal, Role } from './principal.js';

/** Who may do what; the resolvers ask these before they read or write. */
export type Caller = { principal: Principal | undefined; authError: string | undefined };

const SIGN_IN = 'Sign in: send "Authorization: Bearer <token>" (connectionParams.authorization on WebSocket)';

/** The signed-in principal, or UNAUTHENTICATED saying why there is none. */
export function signedIn(caller: Caller): Principal {
  if (!caller.principal) throw new AuthenticationError(caller.authError ?? SIGN_IN);
  return caller.principal;
}

/** The principal when its role is one of `roles`; FORBIDDEN naming who may, otherwise. */
export function requireRole(caller: Caller, roles: readonly Role[], action: string): Principal {
  const principal = signedIn(caller);
  if (!roles.includes(principal.role)) throw new ForbiddenError(`Only ${listOf(roles)} can ${action}`);
  return principal;
}

/** Whether the principal may see this customer's orders and figures. */
export function canSeeCustomer(principal: Principal, customerId: string): boolean {
  return principal.role !== 'customer' || principal.customerId === customerId;
}

/**
 * The customer a list or feed is narrowed to: a customer always sees only its own (and nothing when
 * it asks for another's, as if that did not exist); staff and admin see what they ask for.
 */
export function customerScope(principal: Principal, requested: string | null | undefined): { customerId?: string } | 'nothing' {
  if (principal.role !== 'customer') return requested == null ? {} : { customerId: requested };
  if (requested != null && requested !== principal.customerId) return 'nothing';
  return { customerId: principal.customerId };
}

function listOf(roles: readonly Role[]): string {
  return roles.length === 1 ? roles[0]! : `${roles.slice(0, -1).join(', ')} and ${roles.at(-1)!}`;
}
