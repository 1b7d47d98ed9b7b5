// Secrets and optional settings that wrangler.toml does not declare (set with `wrangler secret put`,
// or `.dev.vars` locally, which `npm run dev` generates). Documented in the README.
declare global {
  namespace Cloudflare {
    interface Env {
      /** Signs session tokens (HS256). At least 32 random characters. */
      SESSION_SECRET: string;
      /** AES-256-GCM keyring for secrets at rest: "kid:base64key[,older…]". */
      ENCRYPTION_KEY: string;
      /** "true" enables POST /api/dev/seed (local development only). */
      DEV_SEED?: string;
      /** The sender address of system mail (invitations, notifications). */
      MAIL_FROM?: string;
      /** Public origin of the app when it differs from the request's (links in emails, CSRF allow-list). */
      APP_ORIGIN?: string;
      /** Knowledge-base embeddings: "local" forces the offline embedder and D1 vectors; "openai" uses the keys below. */
      EMBEDDINGS?: string;
      EMBEDDINGS_API_KEY?: string;
      EMBEDDINGS_BASE_URL?: string;
      EMBEDDINGS_MODEL?: string;
      /**
       * Private hosts Ollama providers may use, for the whole installation (never per organisation): ranges,
       * addresses and exact host names, comma-separated, e.g. "10.0.0.0/8,ollama.internal,localhost".
       * Unset: an Ollama URL must be a public host like every other provider's.
       */
      ALLOW_PRIVATE_OLLAMA_HOSTS?: string;
      /**
       * Private SMTP/IMAP hosts email channels may use, in the same form: for the tests' fake mail servers and
       * a local mail server in development. Unset in production: mail servers must be public hosts.
       */
      ALLOW_PRIVATE_MAIL_HOSTS?: string;
      /** Billing (billing/stripe.ts). Unset: plans, ledger and resets run locally; buying answers 503 PAYMENTS_NOT_CONFIGURED. */
      STRIPE_SECRET_KEY?: string;
      /** Signing secret of the Stripe webhook endpoint (POST /api/webhooks/stripe). */
      STRIPE_WEBHOOK_SECRET?: string;
      /** Recurring Stripe price ids of the paid plans. */
      STRIPE_PRICE_STARTER?: string;
      STRIPE_PRICE_GROWTH?: string;
      STRIPE_PRICE_ENTERPRISE?: string;
      /** Stripe's API origin; https://api.stripe.com when unset (tests and local fakes point it elsewhere). */
      STRIPE_API_BASE?: string;
      /** Private hosts STRIPE_API_BASE may name (a local fake of Stripe), in the ALLOW_PRIVATE_* form. */
      ALLOW_PRIVATE_STRIPE_HOSTS?: string;
      /** Inbound email: mail older than this many days is not imported by the IMAP poll (default 7). */
      EMAIL_MAX_AGE_DAYS?: string;
      /** Inbound email: the largest mail accepted, in bytes (default 10485760, 10 MB); larger mail is refused. */
      EMAIL_MAX_MESSAGE_BYTES?: string;
      /** Web push (VAPID, RFC 8292): base64url of the 65-byte P-256 public point; unset = push not offered. */
      VAPID_PUBLIC_KEY?: string;
      /** Web push: base64url of the 32-byte P-256 private scalar (a secret). */
      VAPID_PRIVATE_KEY?: string;
      /** Web push: the contact push services see, "mailto:…" or "https://…" (default: APP_ORIGIN when https). */
      VAPID_SUBJECT?: string;
      /** Meta webhooks (worker/routes/webhooks/meta.ts): the verify tokens Meta's handshake must present. */
      FACEBOOK_VERIFY_TOKEN?: string;
      INSTAGRAM_VERIFY_TOKEN?: string;
      WHATSAPP_VERIFY_TOKEN?: string;
      /** The Meta app secret that signs webhook bodies (X-Hub-Signature-256); a channel's own appSecret wins. */
      FACEBOOK_APP_SECRET?: string;
      /** The Graph API base URL (default https://graph.facebook.com/v21.0); tests point it at a fake. */
      META_GRAPH_BASE_URL?: string;
      /** Private hosts the Graph client may call (a local fake Graph server in development), same form as above. */
      ALLOW_PRIVATE_GRAPH_HOSTS?: string;
      /** TikTok (integrations/, channels/tiktok/): the app's client key and secret; the secret also signs webhooks. */
      TIKTOK_CLIENT_KEY?: string;
      TIKTOK_CLIENT_SECRET?: string;
      /** TikTok's authorisation page (default https://www.tiktok.com/v2/auth/authorize/). */
      TIKTOK_AUTH_URL?: string;
      /** TikTok Business API base (default https://business-api.tiktok.com/open_api/v1.3/); tests point it at a fake. */
      TIKTOK_API_BASE_URL?: string;
      /** TikTok Shop: the app key and secret (signs Shop API requests), authorisation page, auth and API bases. */
      TIKTOK_SHOP_APP_KEY?: string;
      TIKTOK_SHOP_APP_SECRET?: string;
      TIKTOK_SHOP_AUTH_URL?: string;
      TIKTOK_SHOP_AUTH_BASE_URL?: string;
      TIKTOK_SHOP_API_BASE_URL?: string;
      /** Private hosts the TikTok clients may call (local fakes), in the ALLOW_PRIVATE_* form. */
      ALLOW_PRIVATE_TIKTOK_HOSTS?: string;
      /** Comment-listening window in days (default 30): comments on older posts are not acted on. */
      COMMENT_LISTENING_WINDOW_DAYS?: string;
      /** Messages of conversations closed (CLOSED or ARCHIVED) this many days move from D1 to R2 (default 30). */
      ARCHIVE_AFTER_DAYS?: string;
      /** Conversations the minute cron archives per run at most (default 50). */
      ARCHIVE_BATCH_SIZE?: string;
      /** D1's size cap in bytes for the 70 %/85 % warnings (default 10000000000, D1's 10 GB). */
      D1_CAPACITY_BYTES?: string;
    }
  }
}

export type AppBindings = Cloudflare.Env;
