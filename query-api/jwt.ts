/**
 * JSON Web Token verification for the query API, on node:crypto alone: HS256 (shared secret) or RS256 (an
 * identity provider's public key). The algorithm is fixed by configuration, never chosen by the token: a
 * header naming any other algorithm, 'none' included, is refused before any signature is checked, which
 * closes the classic alg-confusion hole (an RS256 public key used as an HS256 secret).
 */
import { createHmac, createPublicKey, createVerify, timingSafeEqual, type KeyObject } from 'node:crypto';

export type JwtAlgorithm = 'HS256' | 'RS256';

export type JwtVerifierOptions = {
  readonly issuer?: string | null;
  readonly audience?: string | null;
  /** Tolerated clock skew for exp, nbf and iat; 30 s unless told. */
  readonly clockSkewSeconds?: number;
  /**
   * Longest lifetime a token may claim: exp − iat, or exp − now for a token without iat; 24 h unless told. A
   * token is a bearer credential, so one that never (or only far in the future) expires is refused outright.
   */
  readonly maxLifetimeSeconds?: number;
  readonly now?: () => number;
} & (
  | { readonly algorithm: 'HS256'; readonly secret: string | Buffer }
  | { readonly algorithm: 'RS256'; readonly publicKey: string | Buffer | KeyObject }
);

export interface JwtClaims {
  readonly org: string;
  readonly sub?: string;
  readonly iss?: string;
  readonly aud?: string | string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly [claim: string]: unknown;
}

/** Why a token was refused; the message is safe to show the client. */
export class JwtError extends Error {
  override name = 'JwtError';
}

export const base64url = {
  encode: (data: Buffer | string): string => Buffer.from(data).toString('base64url'),
  /** Strict: only the base64url alphabet without padding, so one token has one spelling. */
  decode(text: string, part: string): Buffer {
    if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
      throw new JwtError(`the token's ${part} is not base64url`);
    }
    return Buffer.from(text, 'base64url');
  },
};

function parseJson(bytes: Buffer, part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new JwtError(`the token's ${part} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JwtError(`the token's ${part} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

const MAX_TOKEN_LENGTH = 8192;
/** Verified tokens remembered (the oldest is forgotten first): a few MB at most. */
const VERIFIED_TOKENS_KEPT = 2000;

export type JwtVerifier = (token: string) => JwtClaims;

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const skew = options.clockSkewSeconds ?? 30;
  const maxLifetime = options.maxLifetimeSeconds ?? 86_400;
  const now = options.now ?? Date.now;
  let checkSignature: (signingInput: string, signature: Buffer) => boolean;
  if (options.algorithm === 'HS256') {
    const secret = Buffer.from(options.secret);
    if (secret.length === 0) throw new Error('HS256 needs a non-empty secret');
    checkSignature = (input, signature) => {
      const expected = createHmac('sha256', secret).update(input).digest();
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    };
  } else {
    const key = createPublicKey(options.publicKey as string | Buffer);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('RS256 needs an RSA public key');
    checkSignature = (input, signature) => createVerify('RSA-SHA256').update(input).verify(key, signature);
  }

  /** What holds whatever the time: the header, the signature and the claims that do not depend on now. */
  const verifySigned = (token: string): JwtClaims => {
    if (token.length > MAX_TOKEN_LENGTH) throw new JwtError(`the token is longer than ${MAX_TOKEN_LENGTH} characters`);
    const parts = token.split('.');
    if (parts.length !== 3) throw new JwtError('the token is not a JWS compact token (header.payload.signature)');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = parseJson(base64url.decode(headerPart, 'header'), 'header');
    if (header.alg !== options.algorithm) {
      throw new JwtError(
        `the token's algorithm ${JSON.stringify(header.alg)} is not the accepted ${options.algorithm}`,
      );
    }
    if (header.crit !== undefined) throw new JwtError('the token has critical header parameters we do not support');
    const signature = base64url.decode(signaturePart, 'signature');
    if (!checkSignature(`${headerPart}.${payloadPart}`, signature)) {
      throw new JwtError('the token signature is invalid');
    }
    const claims = parseJson(base64url.decode(payloadPart, 'payload'), 'payload');
    for (const name of ['exp', 'nbf', 'iat'] as const) {
      if (claims[name] !== undefined && (typeof claims[name] !== 'number' || !Number.isFinite(claims[name]))) {
        throw new JwtError(`the token's ${name} claim is not a number`);
      }
    }
    if (typeof claims.exp !== 'number') throw new JwtError('the token has no exp claim; tokens must expire');
    if (options.issuer && claims.iss !== options.issuer) {
      throw new JwtError(`the token's issuer is not ${JSON.stringify(options.issuer)}`);
    }
    if (options.audience) {
      const aud = claims.aud;
      const audiences = Array.isArray(aud) ? aud : [aud];
      if (!audiences.includes(options.audience)) {
        throw new JwtError(`the token's audience does not include ${JSON.stringify(options.audience)}`);
      }
    }
    if (typeof claims.org !== 'string' || claims.org === '') {
      throw new JwtError('the token has no org claim (a non-empty string)');
    }
    return Object.freeze(claims) as JwtClaims;
  };

  /** What depends on now: checked on every request, cached or not. */
  const checkTimes = (claims: JwtClaims): JwtClaims => {
    const nowSeconds = now() / 1000;
    const exp = claims.exp!;
    if (nowSeconds >= exp + skew) throw new JwtError('the token has expired');
    if (typeof claims.nbf === 'number' && nowSeconds < claims.nbf - skew)
      throw new JwtError('the token is not valid yet');
    if (typeof claims.iat === 'number' && claims.iat > nowSeconds + skew) {
      throw new JwtError('the token was issued in the future (its iat claim is later than now)');
    }
    const lifetime = exp - (typeof claims.iat === 'number' ? claims.iat : nowSeconds);
    if (lifetime > maxLifetime + skew) {
      throw new JwtError(
        `the token is valid for ${Math.round(lifetime)} s, longer than the ${maxLifetime} s this API accepts`,
      );
    }
    return claims;
  };

  // A dashboard sends the same token with every request: its signature is checked and its claims parsed once.
  // Only tokens that verified are kept, keyed by their exact text, so a forged or altered token always meets the
  // whole check; the time checks run on every request.
  const verified = new Map<string, JwtClaims>();
  return (token: string): JwtClaims => {
    const known = verified.get(token);
    if (known) return checkTimes(known);
    const claims = checkTimes(verifySigned(token));
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
    return claims;
  };
}

/**
 * An HS256 token for tests and the local demo. It signs with whatever secret it is given; deployments mint
 * their tokens at their identity provider.
 */
export function signDevToken(
  secret: string | Buffer,
  claims: { org: string; [claim: string]: unknown },
  options: { expiresInSeconds?: number; now?: () => number } = {},
): string {
  const iat = Math.floor((options.now ?? Date.now)() / 1000);
  const payload = { iat, exp: iat + (options.expiresInSeconds ?? 3600), ...claims };
  const signingInput = `${base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url.encode(
    JSON.stringify(payload),
  )}`;
  return `${signingInput}.${base64url.encode(createHmac('sha256', secret).update(signingInput).digest())}`;
}
