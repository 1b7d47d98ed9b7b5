// Shared steps for the browser tests: the demo logins, the widget's iframe, and accessibility checks.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type APIRequestContext, type Browser, expect, type FrameLocator, type Page } from '@playwright/test';

export const DEMO_OWNER = { email: 'owner@demo.helpstack.local', password: 'helpstack-demo' };
export const XSS = '<img src=x onerror=alert(1)>';

/** A client address of its own for a browser (the local runtime keeps a CF-Connecting-IP the request brings). */
const clientAddress = () =>
  `10.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

/**
 * Logs in through the form. Each browser that logs in does so from its own address, as people do, so the
 * per-IP login limit (10 a minute) counts the journeys' many logins apart instead of all from 127.0.0.1.
 */
export async function logIn(page: Page, account: { email: string; password: string }) {
  await page.context().setExtraHTTPHeaders({ 'cf-connecting-ip': clientAddress() });
  await page.goto('/login');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/conversations/);
}

/** A fresh browser context (its own cookies and localStorage) with a page in it. */
/**
 * A fresh browser, as a separate person would have: its own cookies and its own client address (the local
 * runtime keeps a CF-Connecting-IP the request brings), so the widget's per-IP limits count each visitor apart
 * as they would in production instead of all journeys sharing 127.0.0.1.
 */
export async function newPage(browser: Browser) {
  const context = await browser.newContext({ extraHTTPHeaders: { 'cf-connecting-ip': clientAddress() } });
  return context.newPage();
}

/** Opens the widget on a page that embeds it and returns the chat iframe. */
export async function openWidget(page: Page, launcherName: RegExp = /^Open /): Promise<FrameLocator> {
  await page.getByRole('button', { name: launcherName }).click();
  const chat = page.frameLocator('iframe[src*="/widget/"]');
  await expect(chat.getByLabel('Type your message')).toBeVisible();
  return chat;
}

export async function sendFromWidget(chat: FrameLocator, text: string) {
  await chat.getByLabel('Type your message').fill(text);
  await chat.getByRole('button', { name: 'Send message' }).click();
}

/** An API session for set-up steps, logged in as the demo owner. */
export async function ownerApi(request: APIRequestContext, baseURL: string) {
  const res = await request.post('/api/auth/login', { data: DEMO_OWNER, headers: { origin: baseURL } });
  expect(res.status()).toBe(200);
  return {
    get: async (path: string) => (await (await request.get(path)).json()).data,
    post: async (path: string, data: unknown) => {
      const r = await request.post(path, { data, headers: { origin: baseURL } });
      const body = await r.json();
      if (!body.success) throw new Error(`${path}: ${r.status()} ${JSON.stringify(body)}`);
      return body.data;
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core in the page, once it has shown its heading (not its loading state), and fails on any violation. */
export async function expectNoAxeViolations(page: Page) {
  // A page whose code or data is still loading shows "Loading…"; a person judges the page that follows.
  await expect(page.locator('h1').first()).toBeVisible({ timeout: 15_000 });
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern: the
  // checker gets in without loosening the policy the test is also checking.
  await page.evaluate(`${axeSource}\n;0`);
  const violations = await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v: { id: string; nodes: { target: string[] }[] }) => ({
      id: v.id,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  expect(violations).toEqual([]);
}

/** Creates an active keyword trigger that runs a flow's first version, through Automations → New trigger. */
export async function createFlowTrigger(page: Page, trigger: { name: string; keyword: string; flowName: string }) {
  await page.getByRole('link', { name: 'Automations' }).click();
  await page.getByRole('link', { name: 'New trigger' }).click();
  await page.getByLabel('Name').fill(trigger.name);
  await page.getByRole('radio', { name: 'Active' }).check();
  await page.getByLabel('Keywords (comma-separated)').fill(trigger.keyword);
  await page.getByRole('radio', { name: 'Run a flow' }).check();
  await page.getByLabel('Flow', { exact: true }).selectOption({ label: `${trigger.flowName} (version 1)` });
  await page.getByRole('button', { name: 'Save trigger' }).click();
  await expect(page.getByRole('heading', { name: trigger.name })).toBeVisible();
}
