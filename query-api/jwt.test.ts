import assert from 'node:assert/strict';
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { base64url, createJwtVerifier, JwtError, signDevToken } from './jwt.js';

const SECRET = 'unit-test-secret-that-is-long-enough-000';
const NOW = 1_700_000_000_000;
const now = () => NOW;
const hs = createJwtVerifier({ algorithm: 'HS256', secret: SECRET, now });

const b64json = (value: unknown) => base64url.encode(JSON.stringify(value));
function hsToken(header: object, payload: object, secret = SECRET): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${base64url.encode(createHmac('sha256', secret).update(input).digest())}`;
}
function refuses(verify: (t: string) => unknown, token: string, reason: RegExp) {
  assert.throws(
    () => verify(token),
    (e: unknown) => e instanceof JwtError && reason.test(e.message),
  );
}

test('a valid HS256 dev token verifies and yields its org', () => {
  const claims = hs(signDevToken(SECRET, { org: 'org-a', sub: 'agent-1' }, { now }));
  assert.equal(claims.org, 'org-a');
  assert.equal(claims.sub, 'agent-1');
  assert.equal(claims.exp, NOW / 1000 + 3600);
});

test('expiry and not-before are enforced with a small leeway', () => {
  const t = NOW / 1000;
  assert.equal(hs(hsToken({ alg: 'HS256' }, { org: 'o', exp: t - 10 })).org, 'o', 'within the 30 s leeway');
  refuses(hs, hsToken({ alg: 'HS256' }, { org: 'o', exp: t - 31 }), /expired/);
  refuses(hs, signDevToken(SECRET, { org: 'o' }, { expiresInSeconds: -60, now }), /expired/);
  refuses(hs, hsToken({ alg: 'HS256' }, { org: 'o', nbf: t + 60, exp: t + 120 }), /not valid yet/);
  refuses(hs, hsToken({ alg: 'HS256' }, { org: 'o', exp: 'soon' }), /exp claim is not a number/);
});

test("a header naming another algorithm is refused, 'none' and alg confusion included", () => {
  refuses(hs, `${b64json({ alg: 'none' })}.${b64json({ org: 'o' })}.`, /algorithm "none" is not the accepted HS256/);
  refuses(hs, hsToken({ alg: 'HS512' }, { org: 'o' }), /algorithm "HS512"/);
  refuses(hs, hsToken({ typ: 'JWT' }, { org: 'o' }), /algorithm undefined/);
  // An RS256 verifier must not accept an HS256 token signed with its public key as the secret.
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const rs = createJwtVerifier({ algorithm: 'RS256', publicKey: pem, now });
  refuses(rs, hsToken({ alg: 'HS256' }, { org: 'o' }, pem), /algorithm "HS256" is not the accepted RS256/);
});

test('a tampered payload or signature, or another secret, is refused', () => {
  const token = signDevToken(SECRET, { org: 'org-a' }, { now });
  const [h, , s] = token.split('.');
  refuses(hs, `${h}.${b64json({ org: 'org-b', exp: NOW / 1000 + 3600 })}.${s}`, /signature is invalid/);
  const flipped = s!.slice(0, -2) + (s!.at(-2) === 'A' ? 'B' : 'A') + s!.at(-1);
  refuses(hs, `${token.slice(0, token.lastIndexOf('.'))}.${flipped}`, /signature is invalid/);
  refuses(hs, signDevToken('another-secret-that-is-long-enough-xx', { org: 'org-a' }, { now }), /signature is invalid/);
  refuses(hs, 'not-a-jwt', /not a JWS compact token/);
  refuses(hs, 'eyJhbGciOiJIUzI1NiJ9.e30.c!', /signature is not base64url/);
});

test('the org claim is required and must be a non-empty string', () => {
  refuses(hs, signDevToken(SECRET, { org: '' }, { now }), /no org claim/);
  refuses(hs, hsToken({ alg: 'HS256' }, { sub: 'x', exp: NOW / 1000 + 60 }), /no org claim/);
  refuses(hs, hsToken({ alg: 'HS256' }, { org: 42, exp: NOW / 1000 + 60 }), /no org claim/);
});

test('issuer and audience are checked when configured', () => {
  const strict = createJwtVerifier({ algorithm: 'HS256', secret: SECRET, issuer: 'idp', audience: 'tf', now });
  assert.equal(strict(signDevToken(SECRET, { org: 'o', iss: 'idp', aud: ['x', 'tf'] }, { now })).org, 'o');
  refuses(strict, signDevToken(SECRET, { org: 'o', iss: 'other', aud: 'tf' }, { now }), /issuer is not "idp"/);
  refuses(strict, signDevToken(SECRET, { org: 'o', iss: 'idp' }, { now }), /audience does not include "tf"/);
});

test('RS256 verifies tokens signed by the private key of a generated pair and nothing else', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rs = createJwtVerifier({
    algorithm: 'RS256',
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }),
    now,
  });
  const rsToken = (key: typeof privateKey, payload: object) => {
    const input = `${b64json({ alg: 'RS256', typ: 'JWT' })}.${b64json(payload)}`;
    return `${input}.${base64url.encode(createSign('RSA-SHA256').update(input).sign(key))}`;
  };
  assert.equal(rs(rsToken(privateKey, { org: 'org-rs', exp: NOW / 1000 + 60 })).org, 'org-rs');
  refuses(rs, rsToken(other.privateKey, { org: 'org-rs', exp: NOW / 1000 + 60 }), /signature is invalid/);
  refuses(rs, rsToken(privateKey, { org: 'org-rs', exp: NOW / 1000 - 120 }), /expired/);
  refuses(rs, signDevToken(SECRET, { org: 'org-rs' }, { now }), /not the accepted RS256/);
});

test('a token must expire: no exp is refused, and so is a lifetime beyond the configured bound', () => {
  const t = NOW / 1000;
  refuses(hs, hsToken({ alg: 'HS256' }, { org: 'o' }), /no exp claim/);
  refuses(hs, hsToken({ alg: 'HS256' }, { org: 'o', iat: t }), /no exp claim/);
  const short = createJwtVerifier({ algorithm: 'HS256', secret: SECRET, now, maxLifetimeSeconds: 3600 });
  assert.equal(short(hsToken({ alg: 'HS256' }, { org: 'o', iat: t, exp: t + 3600 })).org, 'o');
  refuses(
    short,
    hsToken({ alg: 'HS256' }, { org: 'o', iat: t, exp: t + 7200 }),
    /valid for 7200 s, longer than the 3600 s/,
  );
  // Without iat the lifetime counts from now: a token good for ten years is refused either way.
  refuses(short, hsToken({ alg: 'HS256' }, { org: 'o', exp: t + 10 * 365 * 86_400 }), /longer than the 3600 s/);
  // An old iat cannot stretch the bound: exp − iat is what counts.
  refuses(short, hsToken({ alg: 'HS256' }, { org: 'o', iat: t - 86_400, exp: t + 60 }), /longer than the 3600 s/);
  assert.equal(hs(signDevToken(SECRET, { org: 'o' }, { now, expiresInSeconds: 86_400 })).org, 'o', '24 h by default');
});

test('a token issued in the future is refused beyond the clock skew', () => {
  const t = NOW / 1000;
  assert.equal(hs(hsToken({ alg: 'HS256' }, { org: 'o', iat: t + 20, exp: t + 600 })).org, 'o', 'within 30 s');
  refuses(hs, hsToken({ alg: 'HS256' }, { org: 'o', iat: t + 3600, exp: t + 7200 }), /issued in the future/);
  refuses(
    hs,
    hsToken({ alg: 'HS256' }, { org: 'o', iat: t + 10 * 365 * 86_400, exp: t + 10 * 365 * 86_400 + 60 }),
    /issued in the future/,
  );
});

test('a token verified before is checked against the clock again: it expires, and a copy with another signature fails', () => {
  let clock = NOW;
  const verify = createJwtVerifier({ algorithm: 'HS256', secret: SECRET, now: () => clock });
  const token = signDevToken(SECRET, { org: 'org-a' }, { expiresInSeconds: 60, now: () => NOW });
  assert.equal(verify(token).org, 'org-a');
  assert.equal(verify(token).org, 'org-a', 'the remembered answer');
  clock = NOW + 91_000;
  refuses(verify, token, /expired/);
  clock = NOW;
  const [h, p, s] = token.split('.');
  const flipped = s!.slice(0, -2) + (s!.at(-2) === 'A' ? 'B' : 'A') + s!.at(-1);
  refuses(verify, `${h}.${p}.${flipped}`, /signature is invalid/);
  assert.equal(verify(token).org, 'org-a');
});
