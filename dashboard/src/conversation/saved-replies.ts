// Filling in a saved reply's placeholders from the open conversation (the server accepts only these names:
// worker/saved-replies/saved-replies.ts PLACEHOLDERS).
export interface PlaceholderValues {
  contactName?: string | null;
  contactEmail?: string | null;
  agentName?: string | null;
}

const firstName = (name: string | null | undefined) => name?.trim().split(/\s+/)[0] ?? '';

/** The text with every known placeholder replaced; a value we do not know becomes a neutral word, never "{{…}}". */
export function fillPlaceholders(content: string, values: PlaceholderValues): string {
  const known: Record<string, string> = {
    'contact.firstName': firstName(values.contactName) || 'there',
    'contact.name': values.contactName?.trim() || 'there',
    'contact.email': values.contactEmail ?? '',
    'agent.name': values.agentName?.trim() ?? '',
    'agent.firstName': firstName(values.agentName),
  };
  return content.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, name: string) => known[name] ?? whole);
}
