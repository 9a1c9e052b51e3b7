// Bearer tokens: issued by the mock's /oauth/token, checked on every /v1 request in one of three modes;
// signed HS256 with the instance's secret, or RS256 with its RSA key (public half in the JWKS document).
import { createDecoder, createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { Config } from '../config.js';
import type { PublicJwk } from './keys.js';

/** Who is calling: the client the token was issued to and the accounts it may use (null: all). */
export interface Identity {
  clientId: string;
  accounts: readonly number[] | null;
}

/**
 * A refused token's outcome names the client it was issued to when that much is certain: its signature
 * passed and a claim (its expiry, its audience…) did not. A token whose signature failed names no one.
 */
export type AuthOutcome = { ok: true; identity: Identity | null } | { ok: false; detail: string; expired?: boolean; identity?: Identity };

/** An Authorization header that passed, with its outcome and when its token expires (seconds). */
interface Accepted { authorization: string; outcome: AuthOutcome; expiresAt: number }

export interface IssueOptions {
  clientId: string;
  accounts?: readonly number[] | null;
  audience?: string;
  scopes?: string;
  ttlSeconds?: number;
}

export const ISSUER = 'cint-mock';

/**
 * The audiences a token may be for: Cint's guide has clients ask auth.cint.com for
 * `https://api.luc.id`; the document's server is `https://api.cint.com`. The first is the default.
 */
export const AUDIENCES = ['https://api.luc.id', 'https://api.cint.com'] as const;

/** Seconds a token's time claims may be off by: clocks of a client and a server are never quite one. */
export const CLOCK_TOLERANCE_SECONDS = 60;
/** How many accepted Authorization headers are remembered (a plain map: reading it is on every request's path). */
const ACCEPTED_LIMIT = 1000;

/** The refusals fast-jwt makes only after a token's signature passed (the claims' checks). */
const REFUSED_AFTER_SIGNATURE: ReadonlySet<string> = new Set([
  TokenError.codes.expired, TokenError.codes.inactive, TokenError.codes.missingRequiredClaim, TokenError.codes.invalidClaimValue, TokenError.codes.invalidClaimType,
]);

/** A token the mock will not take, with the detail its 401 gives. */
class ClaimError extends Error {}

/** HS256 keys an instance takes tokens of, besides the one it signs with: enough for every key replicas on one store used. */
export const MAX_HS256_KEYS = 16;

type Verifier = (token: string) => Record<string, unknown>;

const invalidSignature = (error: unknown) => error instanceof TokenError && error.code === TokenError.codes.invalidSignature;

export class TokenService {
  private sign: (payload: Record<string, unknown>) => string;
  private verify: Verifier;
  private readonly decode = createDecoder();
  /** The JWK Set of the instance's RS256 key; null with HS256, whose secret is never published. */
  readonly jwks: { keys: PublicJwk[] } | null;
  /** HS256: the key it signs with, and the keys it has signed with, newest first (that one included). */
  private secret: string;
  private signedWith: string[];
  /** HS256: verifiers of the other keys whose tokens it takes (tried only when the signature is not the current key's), by key. */
  private others = new Map<string, Verifier>();
  /**
   * Told when a token's signature is none of the keys it knows (HS256 shared through a store: a replica
   * that adopted a key another replica does not know yet). Not told of tokens refused for anything else.
   */
  onUnknownSignature: (() => void) | null = null;

  constructor(private readonly config: Pick<Config, 'jwtSecret' | 'tokenTtlSeconds' | 'authMode' | 'tokenAlgorithm' | 'jwtKey'>) {
    const rsa = config.tokenAlgorithm === 'RS256' ? config.jwtKey : undefined;
    if (config.tokenAlgorithm === 'RS256' && !rsa) throw new Error('tokenAlgorithm RS256 needs the config\'s jwtKey: make the config with makeConfig()');
    // The verifier takes one algorithm and, for RS256, only the public key: a token signed HS256 (with
    // the public key as its secret, say) is refused for its algorithm before any key is used.
    this.sign = rsa
      ? createSigner({ key: rsa.privateKey, algorithm: 'RS256', kid: rsa.kid, iss: ISSUER })
      : createSigner({ key: config.jwtSecret, algorithm: 'HS256', iss: ISSUER });
    this.jwks = rsa ? { keys: [rsa.jwk] } : null;
    this.verify = this.verifierOf(rsa ? rsa.publicKey : config.jwtSecret);
    this.secret = config.jwtSecret;
    this.signedWith = [config.jwtSecret];
  }

  /**
   * Checked as a resource server checks an authorization server's tokens: signature, issuer, audience,
   * an expiry (required), not before; then checkClaims() for iat and the accounts claim.
   */
  private verifierOf(key: string): Verifier {
    return createVerifier({
      key, algorithms: [this.config.tokenAlgorithm],
      allowedIss: ISSUER, allowedAud: [...AUDIENCES], requiredClaims: ['exp', 'iss', 'aud'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS * 1000,
    });
  }

  /** HS256: the key it signs with, and those it has signed with (newest first), which a store shared with other replicas keeps. */
  hs256Keys(): { current: string; signedWith: readonly string[] } {
    return { current: this.secret, signedWith: this.signedWith };
  }

  /**
   * HS256: signs with `current` from now on, and takes tokens signed with it, with any of `accepted`, and
   * with the keys it signed with before (so that no token it issued is refused after a change of key).
   */
  useSecrets(current: string, accepted: readonly string[]): void {
    if (this.config.tokenAlgorithm !== 'HS256') return;
    if (current !== this.secret) {
      this.secret = current;
      this.sign = createSigner({ key: current, algorithm: 'HS256', iss: ISSUER });
      this.verify = this.others.get(current) ?? this.verifierOf(current);
      this.signedWith = [current, ...this.signedWith.filter((key) => key !== current)].slice(0, MAX_HS256_KEYS);
    }
    const keys = [...new Set([...accepted, ...this.signedWith])].filter((key) => key !== current).slice(0, MAX_HS256_KEYS);
    this.others = new Map(keys.map((key) => [key, this.others.get(key) ?? this.verifierOf(key)]));
  }

  /** The current key's verifier; on a signature that is not its, the other keys' (HS256 shared through a store). */
  private verified(token: string): Record<string, unknown> {
    try {
      return this.verify(token);
    } catch (error) {
      if (!invalidSignature(error)) throw error;
      for (const other of this.others.values()) {
        try {
          return other(token);
        } catch (otherError) {
          if (!invalidSignature(otherError)) throw otherError;
        }
      }
      this.onUnknownSignature?.();
      throw error;
    }
  }

  issue(options: IssueOptions): { access_token: string; expires_in: number; token_type: 'Bearer' } {
    const ttl = options.ttlSeconds ?? this.config.tokenTtlSeconds;
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      sub: `${options.clientId}@clients`,
      client_id: options.clientId,
      iat: now,
      exp: now + ttl,
    };
    payload.aud = options.audience ?? AUDIENCES[0];
    if (options.scopes) payload.scope = options.scopes;
    if (options.accounts) payload.accounts = [...options.accounts];
    return { access_token: this.sign(payload), expires_in: ttl, token_type: 'Bearer' };
  }

  /**
   * Authorization headers whose token passed, with when it expires: clients reuse a token for many
   * requests, so only its expiry is checked again until then (fast-jwt's own cache keys tokens by a
   * hash computed on every request). Keyed by the header itself, so no token shares another's entry.
   */
  private readonly accepted = new Map<string, Accepted>();
  private lastAccepted: Accepted | undefined;

  /** Reads the Authorization header as the configured mode asks. */
  authenticate(authorization: string | undefined): AuthOutcome {
    if (this.config.authMode === 'off') return { ok: true, identity: null };
    if (!authorization) return { ok: false, detail: 'no valid authorization provided for this operation' };
    // The header accepted last is compared as it is, without hashing its few hundred characters for the map.
    const known = authorization === this.lastAccepted?.authorization ? this.lastAccepted : this.accepted.get(authorization);
    if (known !== undefined) {
      if (Date.now() / 1000 < known.expiresAt) {
        this.lastAccepted = known;
        return known.outcome;
      }
      this.accepted.delete(authorization);
      this.lastAccepted = undefined;
    }
    return this.check(authorization);
  }

  private check(authorization: string): AuthOutcome {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) return { ok: false, detail: "the Authorization header must be 'Bearer <token>'" };
    const token = match[1];
    try {
      const claims = checkClaims(this.config.authMode === 'verify' ? this.verified(token) : this.decodeInTime(token));
      const identity = identityOf(claims);
      if (typeof claims.exp === 'number') {
        // The oldest goes first when it is full: a header it forgets is only checked again.
        if (this.accepted.size >= ACCEPTED_LIMIT) this.accepted.delete(this.accepted.keys().next().value!);
        this.accepted.set(authorization, { authorization, outcome: Object.freeze({ ok: true, identity }), expiresAt: claims.exp + CLOCK_TOLERANCE_SECONDS });
      }
      return { ok: true, identity };
    } catch (error) {
      const identity = this.signedBy(token, error);
      return {
        ok: false,
        detail: describeTokenError(error, this.config.tokenAlgorithm),
        ...(error instanceof TokenError && error.code === TokenError.codes.expired ? { expired: true } : {}),
        ...(identity ? { identity } : {}),
      };
    }
  }

  /**
   * The client a refused token was still issued to: fast-jwt checks the signature before any claim, so a
   * token refused for a claim (or by checkClaims, after verify) is one of the mock's, or in decode mode
   * as much as any token is. Its client's journal gets the refusal; nobody's gets a forged token's.
   */
  private signedBy(token: string, error: unknown): Identity | null {
    if (!(error instanceof ClaimError || (error instanceof TokenError && REFUSED_AFTER_SIGNATURE.has(error.code)))) return null;
    try {
      return identityOf(this.decode(token) as Record<string, unknown>);
    } catch {
      return null;
    }
  }

  /** decode mode: a token from elsewhere, unsigned as far as the mock knows, but still within its times. */
  private decodeInTime(token: string): Record<string, unknown> {
    const claims = this.decode(token) as Record<string, unknown>;
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number') throw new ClaimError('the bearer token has no expiry (exp)');
    if (claims.exp + CLOCK_TOLERANCE_SECONDS <= now) throw new TokenError(TokenError.codes.expired, 'The token has expired.');
    if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_TOLERANCE_SECONDS > now) throw new TokenError(TokenError.codes.inactive, 'The token is not active yet.');
    return claims;
  }
}

/** What every mode checks beyond the signature and expiry: an issue time not in the future, a well-formed accounts claim. */
function checkClaims(claims: Record<string, unknown>): Record<string, unknown> {
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat - CLOCK_TOLERANCE_SECONDS > Date.now() / 1000)) {
    throw new ClaimError('the bearer token was issued in the future (iat)');
  }
  if (claims.accounts !== undefined && !(Array.isArray(claims.accounts) && claims.accounts.every((account) => Number.isInteger(account)))) {
    throw new ClaimError('the bearer token\'s accounts claim must be a list of account ids');
  }
  return claims;
}

function identityOf(claims: Record<string, unknown>): Identity {
  const raw = claims.client_id ?? claims.azp ?? claims.sub;
  const clientId = typeof raw === 'string' && raw.length > 0 ? raw.replace(/@clients$/, '') : 'anonymous';
  const accounts = Array.isArray(claims.accounts) ? Object.freeze([...(claims.accounts as number[])]) : null;
  return Object.freeze({ clientId, accounts });
}

function describeTokenError(error: unknown, algorithm: Config['tokenAlgorithm']): string {
  if (error instanceof ClaimError) return error.message;
  const code = error instanceof TokenError ? error.code : undefined;
  const message = error instanceof Error ? error.message : '';
  switch (code) {
    case TokenError.codes.missingRequiredClaim:
      for (const [claim, detail] of [['exp', 'the bearer token has no expiry (exp)'], ['iss', 'the bearer token names no issuer (iss)'], ['aud', 'the bearer token names no audience (aud)']]) {
        if (new RegExp(`\\b${claim}\\b`).test(message)) return detail!;
      }
      return 'the bearer token is missing a required claim';
    case TokenError.codes.invalidClaimValue:
    case TokenError.codes.invalidClaimType:
      if (/\baud\b/.test(message)) return `the bearer token is not for this API (aud must be one of ${AUDIENCES.join(', ')})`;
      if (/\biss\b/.test(message)) return 'the bearer token was not issued by this server (iss)';
      return 'the bearer token has an invalid claim';
    case TokenError.codes.expired: return 'the bearer token has expired; request a new one';
    case TokenError.codes.invalidSignature: return 'the bearer token signature is invalid';
    case TokenError.codes.invalidAlgorithm: return `the bearer token must be signed with ${algorithm}, as this server's tokens are`;
    case TokenError.codes.inactive: return 'the bearer token is not valid yet';
    case TokenError.codes.malformed:
    case TokenError.codes.invalidType:
    case TokenError.codes.invalidPayload: return 'the bearer token is malformed';
    default: return 'no valid authorization provided for this operation';
  }
}
