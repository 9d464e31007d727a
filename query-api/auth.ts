/** Bearer-token authentication: every /v1 request carries a JWT whose `org` claim scopes all its reads. */
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import { JwtError, type JwtVerifier } from './jwt.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The org of the verified token; set on every /v1 request before its handler runs. */
    orgId: string;
  }
}

export function unauthorized(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message);
}

export interface Identity {
  readonly orgId: string;
  /** The token's `sub`, the user whose requests share a limit; null when the token names none. */
  readonly subject: string | null;
}

/** Who the request's token speaks for, or a 401 saying what is wrong with it. */
export function authenticate(request: FastifyRequest, verify: JwtVerifier): Identity {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    throw unauthorized('missing Authorization header: send "Authorization: Bearer <JWT>"');
  }
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  if (!match) throw unauthorized('the Authorization header must be "Bearer <JWT>"');
  try {
    const claims = verify(match[1]!);
    return { orgId: claims.org, subject: typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : null };
  } catch (error) {
    if (error instanceof JwtError) throw unauthorized(`invalid token: ${error.message}`);
    throw error;
  }
}
