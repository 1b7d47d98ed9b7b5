import { describe, expect, it } from 'vitest';
import { FetchPageError, fetchPage, unsafeUrlReason } from './fetch-page';

describe('unsafeUrlReason', () => {
  it('refuses private, loopback, link-local, CGNAT, metadata and local names', () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://2130706433/', // 127.0.0.1 in decimal
      'http://0x7f.1/',
      'http://10.0.0.5/',
      'http://172.20.1.1/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://0.0.0.0/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://localhost/',
      'http://api.localhost/',
      'http://metadata.google.internal/',
      'http://printer.local/',
    ]) {
      expect(unsafeUrlReason(url), url).toMatch(/private or local address/);
    }
  });

  it('refuses other schemes and embedded credentials, and allows public hosts', () => {
    expect(unsafeUrlReason('file:///etc/passwd')).toBe('Only http and https URLs can be fetched');
    expect(unsafeUrlReason('https://user:pw@example.com/')).toBe('URLs with credentials cannot be fetched');
    expect(unsafeUrlReason('https://docs.example.com/a?b=c')).toBeNull();
    expect(unsafeUrlReason('http://93.184.215.14/')).toBeNull();
    expect(unsafeUrlReason('http://[2606:4700::1111]/')).toBeNull();
  });
});

function fakeFetch(routes: Record<string, () => Response>) {
  const seen: string[] = [];
  const fetcher = async (url: string) => {
    seen.push(url);
    const route = routes[url];
    if (!route) throw new TypeError('network error');
    return route();
  };
  return { fetcher, seen };
}

describe('fetchPage', () => {
  it('follows public redirects and re-checks every hop', async () => {
    const { fetcher, seen } = fakeFetch({
      'https://a.example.com/': () => new Response(null, { status: 301, headers: { location: '/moved' } }),
      'https://a.example.com/moved': () =>
        new Response(null, { status: 302, headers: { location: 'http://192.168.0.10/' } }),
    });
    await expect(fetchPage('https://a.example.com/', { fetcher })).rejects.toThrow(
      'Refusing to fetch http://192.168.0.10: it points to a private or local address',
    );
    expect(seen).toEqual(['https://a.example.com/', 'https://a.example.com/moved']);
  });

  it('gives up after five redirects', async () => {
    const { fetcher } = fakeFetch(
      Object.fromEntries(
        Array.from({ length: 7 }, (_, i) => [
          `https://loop.example.com/${i}`,
          () => new Response(null, { status: 302, headers: { location: `/${i + 1}` } }),
        ]),
      ),
    );
    await expect(fetchPage('https://loop.example.com/0', { fetcher })).rejects.toThrow('more than 5 redirects');
  });

  it('stops reading past the size cap', async () => {
    const { fetcher } = fakeFetch({
      'https://big.example.com/': () => new Response('x'.repeat(5000), { headers: { 'content-type': 'text/plain' } }),
    });
    const page = await fetchPage('https://big.example.com/', { fetcher, maxBytes: 1000 });
    expect(page.body.byteLength).toBe(1000);
    expect(page.truncated).toBe(true);
    expect(page.contentType).toBe('text/plain');
  });

  it('times out a server that never answers', async () => {
    const fetcher = (_url: string, init?: RequestInit) =>
      new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    const failure = fetchPage('https://slow.example.com/', { fetcher, timeoutMs: 50 });
    await expect(failure).rejects.toBeInstanceOf(FetchPageError);
    await expect(failure).rejects.toThrow('Could not fetch https://slow.example.com/: no answer within 0.05 s');
  });
});
