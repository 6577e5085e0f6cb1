import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Secret kinds: API keys for people, tokens for agents. The prefix tells them apart in logs and leaks. */
export type SecretKind = 'pk' | 'pat';

export interface NewSecret {
  /** Shown to its owner once, never stored. */
  secret: string;
  /** SHA-256 hex digest: what the database keeps. */
  hash: string;
  /** Leading characters, safe to display. */
  prefix: string;
}

/**
 * Secrets carry 256 random bits, so a fast digest is safe at rest (no password
 * stretching is needed against guessing; a leaked table reveals no usable key).
 */
export function newSecret(kind: SecretKind): NewSecret {
  const secret = `${kind}_${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashSecret(secret), prefix: secret.slice(0, kind.length + 9) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Cheap shape check before any database lookup. */
export function looksLikeSecret(kind: SecretKind, value: string): boolean {
  return value.length === kind.length + 1 + 43 && value.startsWith(`${kind}_`) && /^[\w-]+$/.test(value.slice(kind.length + 1));
}

export function sameSecretHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
