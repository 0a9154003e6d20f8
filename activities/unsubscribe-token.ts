/**
 * Signed unsubscribe links: the token carries the address and the category and an HMAC over
 * both, so the public unsubscribe page needs no login and cannot be used for anyone else.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UnsubscribeClaim {
  email: string;
  category: string;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

export function signUnsubscribeToken(secret: string, claim: UnsubscribeClaim): string {
  const payload = Buffer.from(JSON.stringify([claim.email.toLowerCase(), claim.category])).toString(
    'base64url',
  );
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeClaim | null {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || payload.length > 2048) return null;
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const [email, category] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
    return typeof email === 'string' && typeof category === 'string' ? { email, category } : null;
  } catch {
    return null;
  }
}

export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/v1/unsubscribe?token=${encodeURIComponent(token)}`;
}
