// Order money: TikTok Shop states amounts as decimal strings in the store currency. We keep integer minor units
// (cents) so sums are exact, and never add amounts of different currencies together.

const digitsCache = new Map<string, number>();

/** The currency's minor-unit digits (USD 2, JPY 0, KWD 3); null for a code Intl does not know. */
export function currencyDigits(currency: string): number | null {
  if (!/^[A-Z]{3}$/.test(currency)) return null;
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      return null;
    }
    digitsCache.set(currency, digits);
  }
  return digits;
}

/** "59.9" USD → 5990; null when the amount is not a plain non-negative decimal. Extra digits are rounded half up. */
export function toMinor(amount: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  const match = /^(\d{1,13})(?:\.(\d{1,8}))?$/.exec(amount.trim());
  if (digits === null || !match) return null;
  const fraction = (match[2] ?? '').padEnd(digits + 1, '0');
  const minor = Number(match[1]) * 10 ** digits + Number(fraction.slice(0, digits) || '0');
  return Number(fraction[digits]) >= 5 ? minor + 1 : minor;
}

/** 5990 USD → "59.90". */
export function fromMinor(minor: number, currency: string): string {
  const digits = currencyDigits(currency) ?? 2;
  if (digits === 0) return String(minor);
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return `${minor < 0 ? '-' : ''}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

export interface Money {
  currency: string;
  /** Decimal string in the currency ("59.90"). */
  amount: string;
  amountMinor: number;
}

/** Sums per currency, sorted by currency code. */
export function sumByCurrency(rows: Iterable<{ currency: string; minor: number }>): Money[] {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.currency, (totals.get(row.currency) ?? 0) + row.minor);
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, minor]) => ({ currency, amount: fromMinor(minor, currency), amountMinor: minor }));
}
