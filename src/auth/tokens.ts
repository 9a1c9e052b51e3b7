// Bearer tokens: issued by the mock's /oauth/token, checked on every /v1 request in one of three modes.
import { createDecoder, createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { Config } from '../config.js';

/** Who is calling: the client the token was issued to and the accounts it may use (null: all). */
export interface Identity {
  clientId: string;
  accounts: readonly number[] | null;
}

export type AuthOutcome = { ok: true; identity: Identity | null } | { ok: false; detail: string };

export interface IssueOptions {
  clientId: string;
  accounts?: readonly number[] | null;
  audience?: string;
  scopes?: string;
  ttlSeconds?: number;
}

export const ISSUER = 'cint-mock';

export class TokenService {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly verify: (token: string) => Record<string, unknown>;
  private readonly decode = createDecoder();

  constructor(private readonly config: Pick<Config, 'jwtSecret' | 'tokenTtlSeconds' | 'authMode'>) {
    this.sign = createSigner({ key: config.jwtSecret, algorithm: 'HS256', iss: ISSUER });
    // The cache keeps verification off the hot path for clients that reuse their token.
    this.verify = createVerifier({ key: config.jwtSecret, algorithms: ['HS256'], cache: 1000 });
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
    if (options.audience) payload.aud = options.audience;
    if (options.scopes) payload.scope = options.scopes;
    if (options.accounts) payload.accounts = [...options.accounts];
    return { access_token: this.sign(payload), expires_in: ttl, token_type: 'Bearer' };
  }

  /** Reads the Authorization header as the configured mode asks. */
  authenticate(authorization: string | undefined): AuthOutcome {
    if (this.config.authMode === 'off') return { ok: true, identity: null };
    if (!authorization) return { ok: false, detail: 'no valid authorization provided for this operation' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) return { ok: false, detail: "the Authorization header must be 'Bearer <token>'" };
    const token = match[1];
    try {
      const claims = this.config.authMode === 'verify' ? this.verify(token) : this.decodeUnexpired(token);
      return { ok: true, identity: identityOf(claims) };
    } catch (error) {
      return { ok: false, detail: describeTokenError(error) };
    }
  }

  private decodeUnexpired(token: string): Record<string, unknown> {
    const claims = this.decode(token) as Record<string, unknown>;
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) {
      throw new TokenError(TokenError.codes.expired, 'The token has expired.');
    }
    return claims;
  }
}

function identityOf(claims: Record<string, unknown>): Identity {
  const raw = claims.client_id ?? claims.azp ?? claims.sub;
  const clientId = typeof raw === 'string' && raw.length > 0 ? raw.replace(/@clients$/, '') : 'anonymous';
  const accounts = Array.isArray(claims.accounts)
    ? claims.accounts.map(Number).filter((account) => Number.isInteger(account))
    : null;
  return { clientId, accounts };
}

function describeTokenError(error: unknown): string {
  const code = error instanceof TokenError ? error.code : undefined;
  switch (code) {
    case TokenError.codes.expired: return 'the bearer token has expired; request a new one';
    case TokenError.codes.invalidSignature: return 'the bearer token signature is invalid';
    case TokenError.codes.inactive: return 'the bearer token is not valid yet';
    case TokenError.codes.malformed:
    case TokenError.codes.invalidType:
    case TokenError.codes.invalidPayload: return 'the bearer token is malformed';
    default: return 'no valid authorization provided for this operation';
  }
}
