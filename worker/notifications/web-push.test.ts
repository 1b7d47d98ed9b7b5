import { env } from 'cloudflare:workers';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../lib/encoding';
import { browserFromKeys, decryptPush, newBrowser, verifyVapid } from './push-service.fixture';
import { encryptPushPayload, sendWebPush, vapidAuthorization, vapidFromEnv } from './web-push';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

// RFC 8291 section 5: the worked example, byte for byte.
const RFC = {
  plaintext: 'When I grow up, I want to be a watermelon',
  asPublic: 'BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8',
  asPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  uaPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  uaPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  auth: 'BTBZMqHH6r4Tts7J_aSIgg',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  body: 'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
};

const vapid = vapidFromEnv(env)!;

describe('web push encryption (RFC 8291, aes128gcm)', () => {
  it("reproduces the RFC's example message exactly from its keys and salt", async () => {
    const body = await encryptPushPayload(
      { p256dh: RFC.uaPublic, auth: RFC.auth },
      new TextEncoder().encode(RFC.plaintext),
      {
        asPublic: RFC.asPublic,
        asPrivate: RFC.asPrivate,
        salt: RFC.salt,
      },
    );
    expect(toBase64Url(body)).toBe(RFC.body);
  });

  it("the RFC's receiver decrypts the RFC's message (the test's decryptor is right too)", async () => {
    const browser = await browserFromKeys(RFC.uaPublic, RFC.uaPrivate, RFC.auth);
    expect(await decryptPush(browser, fromBase64Url(RFC.body))).toBe(RFC.plaintext);
  });

  it('a fresh message uses a new salt and sender key each time and still decrypts', async () => {
    const browser = await newBrowser('https://push.example.com/x');
    const a = await encryptPushPayload(browser.keys, new TextEncoder().encode('hello'));
    const b = await encryptPushPayload(browser.keys, new TextEncoder().encode('hello'));
    expect(toBase64Url(a.slice(0, 16))).not.toBe(toBase64Url(b.slice(0, 16)));
    expect(await decryptPush(browser, a)).toBe('hello');
    expect(await decryptPush(browser, b)).toBe('hello');
  });
});

describe('sending to a push service', () => {
  it('posts an aes128gcm body with a VAPID JWT the push service verifies, for the endpoint origin', async () => {
    const browser = await newBrowser('https://push.example.com/send/device-1');
    const received: { headers: Headers; body: Uint8Array }[] = [];
    server.use(
      http.post('https://push.example.com/send/:device', async ({ request }) => {
        received.push({ headers: request.headers, body: new Uint8Array(await request.arrayBuffer()) });
        return new HttpResponse(null, { status: 201 });
      }),
    );
    const outcome = await sendWebPush(
      { endpoint: browser.endpoint, ...browser.keys },
      { title: 'New conversation', url: '/conversations/c1' },
      vapid,
    );
    expect(outcome).toEqual({ kind: 'sent' });
    expect(received).toHaveLength(1);
    const [{ headers, body }] = received as [{ headers: Headers; body: Uint8Array }];
    expect(headers.get('content-encoding')).toBe('aes128gcm');
    expect(Number(headers.get('ttl'))).toBeGreaterThan(0);
    const claims = await verifyVapid(headers.get('authorization'), env.VAPID_PUBLIC_KEY!);
    expect(claims.aud).toBe('https://push.example.com');
    expect(claims.sub).toBe('mailto:ops@example.test');
    const ahead = claims.exp - Date.now() / 1000;
    expect(ahead).toBeGreaterThan(60 * 60);
    expect(ahead).toBeLessThanOrEqual(24 * 60 * 60);
    expect(JSON.parse(await decryptPush(browser, body))).toEqual({
      title: 'New conversation',
      url: '/conversations/c1',
    });
  });

  it('a JWT signed with another key does not verify (the check can fail)', async () => {
    const other = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
    const jwk = (await crypto.subtle.exportKey('jwk', (other as CryptoKeyPair).privateKey)) as JsonWebKey;
    const header = await vapidAuthorization('https://push.example.com/x', {
      ...vapid,
      privateKey: jwk.d!,
    }).catch((error: Error) => error);
    // Either the key pair is refused outright, or the signature fails against the advertised public key.
    if (header instanceof Error) expect(header.message).toMatch(/./);
    else await expect(verifyVapid(header, env.VAPID_PUBLIC_KEY!)).rejects.toThrow('VAPID signature does not verify');
  });

  it('410 and 404 mean the subscription is gone; 500 and 429 are retried', async () => {
    const browser = await newBrowser('https://push.example.com/send/d');
    for (const [status, kind] of [
      [410, 'gone'],
      [404, 'gone'],
      [500, 'retry'],
      [429, 'retry'],
    ] as const) {
      server.use(http.post('https://push.example.com/send/d', () => new HttpResponse(null, { status })));
      expect((await sendWebPush({ endpoint: browser.endpoint, ...browser.keys }, {}, vapid)).kind).toBe(kind);
    }
  });
});
