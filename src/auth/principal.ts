export const ROLES = ['customer', 'staff', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking, from a verified token. */
export type Principal = {
  /** The token's subject: recorded as every event's userId. */
  userId: string;
  role: Role;
  /** The customer a customer token acts for; undefined for staff and admin. */
  customerId: string | undefined;
  /** When the token stops being valid (ms since the epoch): every token must expire. */
  expiresAt: number;
};
