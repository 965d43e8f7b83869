import { createHmac } from 'node:crypto';

// Hand-made JWTs (RFC 7519, JWS compact form) to probe how IAM verifies the tokens it issued.

export type JwtClaims = Record<string, unknown>;

function encodePart(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodePart(token: string, index: 0 | 1): JwtClaims {
  const part = token.split('.')[index];
  if (part === undefined) throw new Error(`not a JWT: ${token}`);
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`JWT part ${index} is not a JSON object`);
  }
  return value as JwtClaims;
}

export function jwtHeader(token: string): JwtClaims {
  return decodePart(token, 0);
}

export function jwtPayload(token: string): JwtClaims {
  return decodePart(token, 1);
}

/** Signs claims with HMAC (HS256 or HS512) under key, keeping any other header fields given. */
export function signJwt(
  claims: JwtClaims,
  key: string,
  alg: 'HS256' | 'HS512',
  header: JwtClaims = { typ: 'JWT' },
): string {
  const signingInput = `${encodePart({ ...header, alg })}.${encodePart(claims)}`;
  const signature = createHmac(alg === 'HS256' ? 'sha256' : 'sha512', key)
    .update(signingInput)
    .digest('base64url');
  return `${signingInput}.${signature}`;
}

/** The token's own payload under an unsecured header ({"alg":"none"}), with an empty signature. */
export function unsecuredCopy(token: string): string {
  return `${encodePart({ alg: 'none', typ: 'JWT' })}.${token.split('.')[1]}.`;
}

/** The token with its payload replaced by claims and its original header and signature kept. */
export function withPayload(token: string, claims: JwtClaims): string {
  const [header, , signature] = token.split('.');
  return `${header}.${encodePart(claims)}.${signature}`;
}
