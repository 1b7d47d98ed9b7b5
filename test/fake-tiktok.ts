// A fake of TikTok's HTTP APIs speaking their wire format: the authorisation page (it approves at once and
// redirects back with a code), the Business API (OAuth token exchange and refresh, video list, comment replies,
// DMs with `Access-Token` auth and `{code, message, data}` answers) and TikTok Shop (token get/refresh, signed
// product search, order detail and order search). Framework-free (Request → Response): msw serves it inside
// workerd tests, and test/fake-tiktok-server.mjs serves it over HTTP to the browser test and the bench. Routes
// match on the path.
import { signShopRequest } from '../worker/channels/tiktok/api';

export interface FakeAccount {
  openId: string;
  displayName: string;
  scopes: string[];
  videos: { item_id: string; create_time: number; caption: string; is_live: boolean }[];
}

export interface FakeShop {
  openId: string;
  sellerName: string;
  scopes: string[];
  products: { id: string; title: string; skus: { seller_sku: string }[] }[];
  /** Orders in TikTok Shop's order object (API 202309); order detail and order search read them. */
  orders?: FakeOrder[];
}

export interface FakeOrder {
  id: string;
  status: string;
  create_time: number;
  update_time: number;
  user_id: string;
  payment: { currency: string; total_amount: string };
  line_items: {
    id: string;
    product_id: string;
    product_name: string;
    sku_id: string;
    seller_sku: string;
    sku_name: string;
    sale_price: string;
  }[];
}

export class FakeTikTok {
  accounts = new Map<string, FakeAccount>();
  shops = new Map<string, FakeShop>();
  /** Authorisation code → the account (or shop) it grants, and the scopes approved on the consent screen. */
  codes = new Map<string, { openId: string; scopes?: string[]; shop?: boolean }>();
  tokens = new Map<string, { openId: string; shop: boolean }>();
  refreshTokens = new Map<string, { openId: string; shop: boolean }>();
  /** Comment id → its author, so a DM answering a comment knows who receives it. */
  comments = new Map<string, string>();
  blocked = new Set<string>();
  dms: { businessId: string; recipientType: string; recipient: string; text: string; messageId: string }[] = [];
  replies: { businessId: string; videoId: string; commentId: string; text: string }[] = [];
  tokenRequests: { grantType: string }[] = [];
  /** Order detail and order search calls, as received. */
  orderRequests: { path: string; query: Record<string, string>; body: Record<string, unknown> }[] = [];
  /** Seconds an access token lives. */
  accessTtl = 86_400;
  refuseRefresh = false;
  /** The account the authorisation page grants when no code was prepared (browser test). */
  defaultAccount: string | null = null;
  private counter = 0;

  constructor(
    readonly clientKey: string,
    readonly clientSecret: string,
    readonly shopKey = '',
    readonly shopSecret = '',
  ) {}

  account(account: FakeAccount) {
    this.accounts.set(account.openId, account);
    return this;
  }

  shop(shop: FakeShop) {
    this.shops.set(shop.openId, shop);
    return this;
  }

  private json(body: unknown, status = 200) {
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }
  private ok(data: unknown) {
    return this.json({ code: 0, message: 'OK', request_id: `req-${++this.counter}`, data });
  }
  private fail(code: number, message: string, status = 200) {
    return this.json({ code, message, request_id: `req-${++this.counter}`, data: {} }, status);
  }

  private issue(openId: string, shop: boolean) {
    const access = `at-${openId}-${++this.counter}`;
    const refresh = `rt-${openId}-${this.counter}`;
    this.tokens.set(access, { openId, shop });
    this.refreshTokens.set(refresh, { openId, shop });
    return { access, refresh };
  }

  private businessTokens(openId: string, scopes: string[]) {
    const { access, refresh } = this.issue(openId, false);
    return this.ok({
      open_id: openId,
      display_name: this.accounts.get(openId)?.displayName ?? null,
      scope: scopes.join(','),
      access_token: access,
      expires_in: this.accessTtl,
      refresh_token: refresh,
      refresh_token_expires_in: 31_536_000,
      token_type: 'Bearer',
    });
  }

  private shopTokens(openId: string, scopes: string[]) {
    const { access, refresh } = this.issue(openId, true);
    const now = Math.floor(Date.now() / 1000);
    return this.ok({
      open_id: openId,
      seller_name: this.shops.get(openId)?.sellerName ?? 'Shop',
      access_token: access,
      access_token_expire_in: now + this.accessTtl,
      refresh_token: refresh,
      refresh_token_expire_in: now + 31_536_000,
      granted_scopes: scopes,
    });
  }

  private account_(request: Request, header = 'access-token') {
    const token = this.tokens.get(request.headers.get(header) ?? '');
    return token && !token.shop ? this.accounts.get(token.openId) : undefined;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const body = request.method === 'POST' ? await request.text() : '';
    const json = (() => {
      try {
        return body ? JSON.parse(body) : {};
      } catch {
        return {};
      }
    })();

    if (path.endsWith('/v2/auth/authorize/') || path.endsWith('/open/authorize')) {
      const shop = path.endsWith('/open/authorize');
      const openId = this.defaultAccount ?? [...(shop ? this.shops.keys() : this.accounts.keys())][0];
      if (!openId) return new Response('no account', { status: 400 });
      const code = `code-${++this.counter}`;
      this.codes.set(code, { openId, shop });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return new Response(null, { status: 302, headers: { location: back.toString() } });
    }

    if (path.endsWith('/tt_user/oauth2/token/') || path.endsWith('/tt_user/oauth2/refresh_token/')) {
      if (json.client_id !== this.clientKey || json.client_secret !== this.clientSecret) {
        return this.fail(40001, 'Invalid client credentials');
      }
      this.tokenRequests.push({ grantType: json.grant_type });
      if (json.grant_type === 'authorization_code') {
        const grant = this.codes.get(json.auth_code);
        if (!grant || grant.shop) return this.fail(40002, 'Invalid auth_code');
        this.codes.delete(json.auth_code);
        return this.businessTokens(grant.openId, grant.scopes ?? this.accounts.get(grant.openId)?.scopes ?? []);
      }
      if (json.grant_type === 'refresh_token') {
        const grant = this.refreshTokens.get(json.refresh_token);
        if (!grant || this.refuseRefresh) return this.fail(40003, 'Invalid refresh_token');
        this.refreshTokens.delete(json.refresh_token);
        return this.businessTokens(grant.openId, this.accounts.get(grant.openId)?.scopes ?? []);
      }
      return this.fail(40000, 'Unsupported grant_type');
    }

    if (path.endsWith('/api/v2/token/get') || path.endsWith('/api/v2/token/refresh')) {
      if (url.searchParams.get('app_key') !== this.shopKey || url.searchParams.get('app_secret') !== this.shopSecret) {
        return this.fail(36004004, 'Invalid app key or secret');
      }
      if (path.endsWith('/get')) {
        const grant = this.codes.get(url.searchParams.get('auth_code') ?? '');
        if (!grant?.shop) return this.fail(36004005, 'Invalid auth code');
        this.codes.delete(url.searchParams.get('auth_code')!);
        return this.shopTokens(grant.openId, grant.scopes ?? this.shops.get(grant.openId)?.scopes ?? []);
      }
      const grant = this.refreshTokens.get(url.searchParams.get('refresh_token') ?? '');
      if (!grant?.shop || this.refuseRefresh) return this.fail(36004006, 'Invalid refresh token');
      return this.shopTokens(grant.openId, this.shops.get(grant.openId)?.scopes ?? []);
    }

    if (path.endsWith('/product/202309/products/search')) {
      const sign = url.searchParams.get('sign');
      const expected = await signShopRequest(this.shopSecret, path, url.searchParams, body);
      if (sign !== expected) return this.fail(106001, 'Invalid sign');
      const token = this.tokens.get(request.headers.get('x-tts-access-token') ?? '');
      const shop = token?.shop ? this.shops.get(token.openId) : undefined;
      if (!shop) return this.fail(105002, 'Invalid access token', 401);
      return this.ok({ products: shop.products, next_page_token: '' });
    }

    if (path.endsWith('/order/202309/orders') || path.endsWith('/order/202309/orders/search')) {
      const sign = url.searchParams.get('sign');
      const expected = await signShopRequest(this.shopSecret, path, url.searchParams, body);
      if (sign !== expected) return this.fail(106001, 'Invalid sign');
      const token = this.tokens.get(request.headers.get('x-tts-access-token') ?? '');
      const shop = token?.shop ? this.shops.get(token.openId) : undefined;
      if (!shop) return this.fail(105002, 'Invalid access token', 401);
      if (!shop.scopes.includes('order.read')) return this.fail(105005, 'Scope order.read not authorized');
      const orders = shop.orders ?? [];
      this.orderRequests.push({ path, query: Object.fromEntries(url.searchParams), body: json });
      if (path.endsWith('/orders')) {
        const ids = (url.searchParams.get('ids') ?? '').split(',');
        return this.ok({ orders: orders.filter((o) => ids.includes(o.id)) });
      }
      const from = Number(json.update_time_ge ?? 0);
      const to = Number(json.update_time_lt ?? Number.MAX_SAFE_INTEGER);
      const found = orders
        .filter((o) => o.update_time >= from && o.update_time < to)
        .sort((a, b) => a.update_time - b.update_time);
      const size = Number(url.searchParams.get('page_size') ?? 50);
      const start = Number(url.searchParams.get('page_token') || 0);
      const next = start + size < found.length ? String(start + size) : '';
      return this.ok({ orders: found.slice(start, start + size), next_page_token: next, total_count: found.length });
    }

    const account = this.account_(request);
    if (path.endsWith('/business/video/list/')) {
      if (!account || url.searchParams.get('business_id') !== account.openId) {
        return this.fail(40105, 'Access token is invalid', 401);
      }
      if (!account.scopes.includes('video.list')) return this.fail(40100, 'Scope video.list not authorized');
      const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as { video_ids?: string[] };
      const videos = filters.video_ids
        ? account.videos.filter((v) => filters.video_ids!.includes(v.item_id))
        : account.videos;
      return this.ok({ videos, cursor: 0, has_more: false });
    }

    if (path.endsWith('/business/comment/reply/create/')) {
      if (!account || json.business_id !== account.openId) return this.fail(40105, 'Access token is invalid', 401);
      if (typeof json.text !== 'string' || json.text.length > 150) return this.fail(40002, 'Invalid text');
      this.replies.push({
        businessId: json.business_id,
        videoId: json.video_id,
        commentId: json.comment_id,
        text: json.text,
      });
      return this.ok({ comment_id: `reply-${++this.counter}` });
    }

    if (path.endsWith('/business/message/send/')) {
      if (!account || json.business_id !== account.openId) return this.fail(40105, 'Access token is invalid', 401);
      if (!account.scopes.includes('message.list.send'))
        return this.fail(40100, 'Scope message.list.send not authorized');
      const recipient = json.recipient_type === 'COMMENT' ? this.comments.get(json.recipient) : json.recipient;
      if (!recipient) return this.fail(40002, 'The comment does not exist or does not allow a reply');
      if (this.blocked.has(recipient)) return this.fail(40010, 'The user has blocked this account');
      if (
        json.recipient_type === 'COMMENT' &&
        this.dms.some((d) => d.recipientType === 'COMMENT' && d.recipient === json.recipient)
      ) {
        return this.fail(40011, 'A private reply was already sent for this comment');
      }
      const messageId = `msg-${++this.counter}`;
      this.dms.push({
        businessId: json.business_id,
        recipientType: json.recipient_type,
        recipient: json.recipient,
        text: json.text?.body,
        messageId,
      });
      return this.ok({ message_id: messageId });
    }
    return this.fail(40400, `No fake for ${request.method} ${path}`, 404);
  }
}
