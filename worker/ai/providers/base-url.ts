// Where an AI provider's requests (and its API key) may go: a valid https URL on a public host. Ollama may use
// plain http and a private host only when the installation lists that host in ALLOW_PRIVATE_OLLAMA_HOSTS.
// Checked when the provider is saved and again on every use (a stored URL may predate the rule).
import { env } from 'cloudflare:workers';
import type { AI_PROVIDER_TYPES } from '../../db/schema';
import { nonPublicHostReason, type PrivateHostAllowance, parsePrivateHostAllowance } from '../../lib/public-host';

type ProviderType = (typeof AI_PROVIDER_TYPES)[number];

/** The installation's private Ollama hosts (never an organisation's setting). */
export function installationOllamaHosts(): PrivateHostAllowance {
  return parsePrivateHostAllowance(env.ALLOW_PRIVATE_OLLAMA_HOSTS);
}

/** Why a provider of this type may not use this base URL, or null when it may. */
export function baseUrlProblem(
  type: ProviderType,
  raw: string,
  privateOllamaHosts: PrivateHostAllowance = installationOllamaHosts(),
): string | null {
  if (!URL.canParse(raw)) return 'Base URL must be a valid URL';
  const url = new URL(raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Base URL must use https';
  if (url.username || url.password) return 'Base URL must not contain a user name or password';
  const publicReason = nonPublicHostReason(url);
  const allowedPrivate = type === 'OLLAMA' && publicReason !== null && !nonPublicHostReason(url, privateOllamaHosts);
  if (publicReason && !allowedPrivate) {
    return type === 'OLLAMA'
      ? `Base URL must point to a public host (${publicReason}); a private Ollama server must be listed in the installation's ALLOW_PRIVATE_OLLAMA_HOSTS`
      : `Base URL must point to a public host (${publicReason})`;
  }
  if (url.protocol === 'http:' && !allowedPrivate) {
    return 'Base URL must use https (plain http only for an Ollama server on a private host the installation allows)';
  }
  return null;
}

/**
 * Request options for the SDK clients: redirects are not followed, so a public base URL cannot bounce the
 * request (and its key) to a private address.
 */
export const NO_REDIRECTS = { fetchOptions: { redirect: 'manual' as const } };
