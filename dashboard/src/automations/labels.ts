// Words for the automations' values: outcomes of an evaluation, condition types, scope kinds.
export const OUTCOME_LABELS: Record<string, string> = {
  FIRED: 'Fired: DM sent',
  DM_FAILED: 'Fired: DM failed',
  CONTACT_CAP: 'Fired: DM queued (contact cap)',
  MISSING_SCOPE: 'Fired: DM not sent (missing scope)',
  NOT_ACTIVE: 'Not active',
  OUT_OF_SCOPE: 'Out of scope',
  OUTSIDE_WINDOW: 'Outside the window',
  NOT_MATCHED: 'Not matched',
  LOWER_PRIORITY: 'Lower priority',
  THROTTLED: 'Throttled',
};

export const CONDITION_LABELS = {
  KEYWORD: 'Keyword match',
  QUESTION: 'Question mark',
  FIRST_COMMENT: 'First comment from this user',
  VIDEO: 'Comment on specific video',
  SKU: 'Mentions a SKU',
} as const;

export type ConditionType = keyof typeof CONDITION_LABELS;
