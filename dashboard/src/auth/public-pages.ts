// Pages anyone may open without a session: asking for a password reset link, using it, and (in development)
// the mailbox that shows the links the system sent.
import type { Loader } from '../lazy-page';

const PAGES: Record<string, Loader> = {
  '/forgot-password': () => import('./password-pages').then((m) => m.ForgotPasswordPage),
  '/reset-password': () => import('./password-pages').then((m) => m.ResetPasswordPage),
  '/dev/mailbox': () => import('./dev-mailbox-page').then((m) => m.DevMailboxPage),
};

export function publicPage(path: string): Loader | null {
  return PAGES[path] ?? null;
}
