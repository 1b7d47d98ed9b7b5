// Small, total readers for Meta webhook JSON: a payload from the internet is never trusted to have a shape.

export type Json = Record<string, unknown>;

export const MAX_ID = 512;
export const MAX_TEXT = 20_000;

export function obj(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown, max = MAX_ID): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text && text.length <= max ? text : null;
}

/** Free text (a message body, a caption): kept whole up to the cap, cut beyond it. */
export function text(value: unknown): string | null {
  if (typeof value !== 'string' || !value.trim()) return null;
  return value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value;
}

/** A Meta timestamp (ms for Messenger, seconds as a string for WhatsApp) as a Date, or undefined. */
export function timestamp(value: unknown, unit: 'ms' | 's'): Date | undefined {
  const n = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const date = new Date(unit === 's' ? n * 1000 : n);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
