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
    }
  }
}

export type AppBindings = Cloudflare.Env;
