// Valid stored credentials for each channel type whose sender is not built yet (tests of those channels).
export const UNBUILT_CREDENTIALS = {
  FACEBOOK: { pageId: '1001', accessToken: 'page-token' },
  INSTAGRAM: { accountId: '1002', accessToken: 'ig-token' },
  WHATSAPP: { phoneNumberId: '1003', accessToken: 'wa-token', businessAccountId: '1004' },
  TELEGRAM: { botToken: '1005:bot-token' },
  TIKTOK: {},
} as const;
