import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { until } from '@webstream/testing';

export const CHROMIUM = '/usr/bin/chromium';
// The flags Debian's Chromium needs headless on this kind of machine (../shared/notes/toolchain.md).
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestPage {
  page: Page;
  /** A screenshot of this step under the artifacts folder, numbered in order. */
  shot: (step: string) => Promise<void>;
  /** Uncaught page errors and Content-Security-Policy refusals; a test expects none. */
  errors: string[];
}

/** A page of its own context (its own storage and sign-in), whose errors are collected. */
export async function newTestPage(
  browser: Browser,
  artifacts: string,
  name: string,
  init?: (page: Page) => Promise<void>,
): Promise<TestPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await init?.(page);
  // An uncaught error in the page fails the test, whatever the page still shows.
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // So does anything the Content-Security-Policy refused: the client must run under it as it is.
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) errors.push(message.text());
  });
  let step = 0;
  return {
    page,
    errors,
    shot: async (label: string) => {
      step += 1;
      await page.screenshot({
        path: join(artifacts, `${name}-${String(step).padStart(2, '0')}-${label}.png`),
      });
    },
  };
}

export async function signIn(
  page: Page,
  gatewayUrl: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(gatewayUrl);
  await page.getByLabel(/^User name( \*)?$/).fill(username);
  await page.getByLabel(/^Password( \*)?$/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The number of frames the session page has drawn (its canvas's data-frames). */
export async function framesDrawn(page: Page): Promise<number> {
  return Number((await page.getByLabel('Remote display').getAttribute('data-frames')) ?? '0');
}

/** Waits until the gateway reports a healthy session host, so a launch can be placed. */
export async function sessionHostHealthy(gatewayUrl: string, adminPassword: string): Promise<void> {
  const login = await fetch(`${gatewayUrl}/iam/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: adminPassword }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  await until(
    'the session host to be healthy at the gateway',
    async () => {
      const backends = await fetch(`${gatewayUrl}/gateway/admin/backends`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      if (backends.status !== 200) return undefined;
      const body = (await backends.json()) as { items: { health: string }[] };
      return body.items.some((backend) => backend.health === 'healthy') ? true : undefined;
    },
    60_000,
    1_000,
  );
}
