/**
 * The public unsubscribe link every customer email carries: no login, idempotent, a small HTML
 * page as the answer (errors included, since a person reads it in a browser), and no way to
 * unsubscribe someone else.
 */
import { describe, expect, test } from 'vitest';
import { signUnsubscribeToken } from '../../activities/unsubscribe-token.js';
import { useApiStack } from './helpers.js';
import { collections } from '../../lib/collections.js';

const api = useApiStack('unsubscribe');

const link = (token: string, extra = '') => `/v1/unsubscribe?token=${encodeURIComponent(token)}${extra}`;
const suppressed = (email: string) => collections(api.db).suppressions.find({ email }).toArray();

describe('unsubscribe link', () => {
  test('works without a token and answers with an HTML confirmation', async () => {
    const token = signUnsubscribeToken(api.config.unsubscribeSecret, {
      email: 'dana@acme.example',
      category: 'product-tips',
    });
    const res = await api.call('GET', link(token), { token: null });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('You are unsubscribed');
    expect(res.body).toContain('dana@acme.example will no longer receive product tips emails');
    expect(await suppressed('dana@acme.example')).toEqual([
      expect.objectContaining({ _id: 'dana@acme.example:product-tips', category: 'product-tips' }),
    ]);
  });

  test('clicked twice, or twice at once, leaves one suppression', async () => {
    const token = signUnsubscribeToken(api.config.unsubscribeSecret, {
      email: 'Lee@Acme.example',
      category: 'renewal',
    });
    const answers = await Promise.all([
      api.call('GET', link(token), { token: null }),
      api.call('GET', link(token), { token: null }),
    ]);
    answers.push(await api.call('GET', link(token), { token: null }));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(await suppressed('lee@acme.example')).toHaveLength(1);
  });

  test('the RFC 8058 one-click POST from a mail client unsubscribes too', async () => {
    const token = signUnsubscribeToken(api.config.unsubscribeSecret, {
      email: 'kim@acme.example',
      category: 'onboarding',
    });
    const res = await api.call('POST', link(token), {
      token: null,
      raw: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(200);
    expect(await suppressed('kim@acme.example')).toHaveLength(1);
  });

  test('parameters added by a link tracker do not break the link', async () => {
    const token = signUnsubscribeToken(api.config.unsubscribeSecret, {
      email: 'ari@acme.example',
      category: 'onboarding',
    });
    const res = await api.call('GET', link(token, '&utm_source=newsletter&utm_medium=email'), {
      token: null,
    });
    expect(res.statusCode).toBe(200);
    expect(await suppressed('ari@acme.example')).toHaveLength(1);
  });

  test('a token signed with another key is refused with a page a person understands, and nothing changes', async () => {
    const forged = signUnsubscribeToken('someone-else', {
      email: 'victim@acme.example',
      category: 'renewal',
    });
    const res = await api.call('GET', link(forged), { token: null });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('This link is not valid');
    expect(await suppressed('victim@acme.example')).toHaveLength(0);
  });

  test('a missing, truncated or tampered token gets the same HTML page', async () => {
    const token = signUnsubscribeToken(api.config.unsubscribeSecret, {
      email: 'sam@acme.example',
      category: 'renewal',
    });
    const [payload, signature] = token.split('.');
    const other = Buffer.from(JSON.stringify(['boss@acme.example', 'renewal'])).toString('base64url');
    for (const url of [
      '/v1/unsubscribe',
      link(payload),
      link(`${payload}.`),
      link(`${other}.${signature}`),
      link(`${token}.x`),
    ]) {
      const res = await api.call('GET', url, { token: null });
      expect(res.statusCode, url).toBe(400);
      expect(res.body, url).toContain('This link is not valid');
    }
    expect(
      await collections(api.db).suppressions.countDocuments({
        email: { $in: ['sam@acme.example', 'boss@acme.example'] },
      }),
    ).toBe(0);
  });

  test('the address is HTML-escaped on the page', async () => {
    const token = signUnsubscribeToken(api.config.unsubscribeSecret, {
      email: '<script>alert(1)</script>@acme.example',
      category: 'renewal',
    });
    const res = await api.call('GET', link(token), { token: null });
    expect(res.body).not.toContain('<script>');
    expect(res.body).toContain('&#60;script&#62;');
  });
});
