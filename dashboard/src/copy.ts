// Error copy: the one place that turns what the server or the browser says about a failed request into
// plain language for the person at the screen. Field errors written for people pass through unchanged;
// raw validator text ("Too big: expected string to have <=80 characters") is rewritten.

const RULES: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^Too big: expected string to have <=\s*([\d,]+) characters?$/i, (m) => `Use at most ${m[1]} characters`],
  [/^Too small: expected string to have >=\s*1 characters?$/i, () => 'This cannot be empty'],
  [/^Too small: expected string to have >=\s*([\d,]+) characters?$/i, (m) => `Use at least ${m[1]} characters`],
  [/^Too big: expected array to have <=\s*([\d,]+) items?$/i, (m) => `Choose at most ${m[1]}`],
  [/^Too small: expected array to have >=\s*1 items?$/i, () => 'Choose at least one'],
  [/^Too big: expected number to be <=\s*([\d,.]+)$/i, (m) => `Use a number no higher than ${m[1]}`],
  [/^Too small: expected number to be >=\s*([\d,.]+)$/i, (m) => `Use a number of at least ${m[1]}`],
  [/^Invalid input: expected string, received undefined$/i, () => 'This is required'],
  [/^Invalid input: expected (\w+), received (\w+)$/i, () => 'This value is not in the right form'],
  [/^Invalid option: expected one of .*$/i, () => 'Choose one of the options offered'],
  [/^Invalid (email|email address)$/i, () => 'Enter an email address such as name@example.com'],
  [/^Invalid (url|URL)$/i, () => 'Enter a full web address starting with https://'],
  [/^Invalid ISO datetime$/i, () => 'Choose a date and time'],
  [/^Unrecognized keys?: .*$/i, () => 'This form sent something the server does not accept; reload the page'],
];

/** One field error in plain language. */
export function plainFieldError(message: string): string {
  for (const [pattern, rewrite] of RULES) {
    const match = message.match(pattern);
    if (match) return rewrite(match);
  }
  return message;
}

/** The lead of an error panel: a user's mistake is never "Something went wrong". */
export function errorLead(status: number | undefined, code?: string): string {
  if (status === 0) return 'You seem to be offline. ';
  if (status === 403) return 'Not allowed. ';
  if (status === 404) return 'Not found. ';
  if (status === 409) return 'Someone changed this meanwhile. ';
  if (status === 429) return 'Too many attempts. ';
  if (code === 'SEAT_LIMIT') return 'No free seat. ';
  if (status === 402 || code === 'INSUFFICIENT_TOKENS') return 'Out of tokens. ';
  if (status === 400 || status === 413 || code === 'VALIDATION_ERROR') return 'Please check this: ';
  return 'Something went wrong. ';
}

/** Field names as people call them, for errors shown away from their field. */
const FIELD_NAMES: Record<string, string> = {
  content: 'Message',
  until: 'Snooze until',
  name: 'Name',
  color: 'Colour',
  shortcut: 'Shortcut',
  assignedToId: 'Assignee',
  conversationIds: 'Selection',
  labelId: 'Label',
  status: 'Status',
  language: 'Language',
  attachments: 'Attachments',
};

export function fieldName(field: string): string {
  return FIELD_NAMES[field] ?? field.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}
