import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { type Clock, systemClock } from '../clock/clock.js';
import { AuthenticationError } from './authenticationError.js';
import { type Principal, type Role, ROLES } from './principal.js';
import { VerifiedTokens } from './verifiedTokens.js';

/** How tokens are checked: an HS256 secret, or a public key (RS256, ES256, EdDSA) for tokens an identity provider signs. */
export type TokenConfig = {
  secret?: string;
  publicKeyPem?: string;
  issuer: string;
  audience: string;
};

/** Verifies bearer tokens into principals, with messages a frontend developer can act on. */
export class TokenVerifier {
  private readonly key: KeyObject;
  private readonly verified = new VerifiedTokens();

  /** `clock` judges expiry: the wall clock, or a ManualClock in tests, to expire a token without waiting. */
  constructor(
    private readonly config: TokenConfig,
    private readonly clock: Clock = systemClock,
  ) {
    if (config.publicKeyPem) this.key = createPublicKey(config.publicKeyPem);
    else if (config.secret) this.key = createSecretKey(Buffer.from(config.secret, 'utf8'));
    else throw new Error('A token secret or public key is required');
  }

  /** `authorization` as sent: "Bearer <jwt>" (or the bare jwt). */
  async verify(authorization: string): Promise<Principal> {
    const token = authorization.replace(/^Bearer\s+/i, '').trim();
    if (token === '') throw new AuthenticationError('Sign in: send "Authorization: Bearer <token>"');
    const known = this.verified.get(token, this.clock.now());
    if (known) return known;
    const principal = await this.check(token);
    this.verified.remember(token, principal);
    return principal;
  }

  private async check(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      // A token without an expiry would stay good for ever once leaked: refused.
      ({ payload } = await jwtVerify(token, this.key, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['exp'],
        currentDate: new Date(this.clock.now()),
      }));
    } catch (error) {
      throw new AuthenticationError(reasonFor(error));
    }
    const { sub, role, customerId, exp } = payload;
    if (typeof sub !== 'string' || sub === '') throw new AuthenticationError('The token has no subject (sub)');
    if (!ROLES.includes(role as Role)) throw new AuthenticationError(`The token's role must be one of ${ROLES.join(', ')}`);
    if (role === 'customer' && (typeof customerId !== 'string' || customerId === '')) {
      throw new AuthenticationError('A customer token needs a customerId claim');
    }
    return {
      userId: sub,
      role: role as Role,
      customerId: role === 'customer' ? (customerId as string) : undefined,
      expiresAt: (exp as number) * 1000,
    };
  }
}

/** Signs a token for a user (the `token` CLI command, development tokens, tests). */
export async function mintToken(
  config: Pick<TokenConfig, 'secret' | 'issuer' | 'audience'>,
  claims: { sub: string; role: Role; customerId?: string },
  expiresIn: string | number = '12h',
): Promise<string> {
  if (!config.secret) throw new Error('Minting tokens needs the secret (ORDERSTREAM_JWT_SECRET)');
  return new SignJWT({ role: claims.role, ...(claims.customerId && { customerId: claims.customerId }) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(config.issuer)
    .setAudience(config.audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(createSecretKey(Buffer.from(config.secret, 'utf8')));
}

function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired; sign in again';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp')
    return 'The token has no expiry (exp claim); tokens must expire';
  if (error instanceof errors.JWTClaimValidationFailed) return `The token is not for this server (${error.claim} claim)`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is not valid';
  return 'The token is not a valid JWT';
}
