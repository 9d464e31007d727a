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

/** The org of the request's token, or a 401 saying what is wrong with it. */
export function authenticate(request: FastifyRequest, verify: JwtVerifier): string {
  const header = request.headers.authorization;
  if (header === undefined || header === '') {
    throw unauthorized('missing Authorization header: send "Authorization: Bearer <JWT>"');
  }
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  if (!match) throw unauthorized('the Authorization header must be "Bearer <JWT>"');
  try {
    return verify(match[1]!).org;
  } catch (error) {
    if (error instanceof JwtError) throw unauthorized(`invalid token: ${error.message}`);
    throw error;
  }
}
