import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportedSpan, OtlpReceiver, until } from '@webstream/testing';
import { type AllInOne, startAllInOne } from '../src/all-in-one';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  framesDrawn,
  newTestPage,
  sessionHostHealthy,
  signIn as signInAt,
} from '../src/browser';

/** Screenshots of every step, kept as the run's artifacts (test-e2e/test-results is not committed). */
const ARTIFACTS = resolve(__dirname, '..', 'test-results', 'web-client');

// The product as its users meet it in a browser: `webstream all`, the web client the gateway serves, a real
// Chromium. Every step leaves a screenshot under test-results/web-client. Every role traces to a real OTLP/HTTP
// receiver, so a launch's trace can be followed from the browser to the streamer.
describe('the web client in Chromium, against the real stack', () => {
  let stack: AllInOne;
  let dir: string;
  let gatewayUrl: string;
  let browser: Browser;
  const passwords: Record<string, string> = {};
  const receiver = new OtlpReceiver();

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    await receiver.start();
    stack = await startAllInOne('web-client', {
      WEBSTREAM__OBSERVABILITY__TRACING__ENABLED: 'true',
      WEBSTREAM__OBSERVABILITY__TRACING__ENDPOINT: receiver.url,
    });
    ({ dir, gatewayUrl } = stack);
    for (const username of ['admin', 'demo']) passwords[username] = stack.passwordOf(username);
    // The session host must be registered and healthy before a launch can be placed.
    await sessionHostHealthy(gatewayUrl, passwords['admin']!);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await receiver.stop();
  });

  const newPage = (name: string) => newTestPage(browser, ARTIFACTS, name);
  const signIn = (page: Page, username: string, password: string) =>
    signInAt(page, gatewayUrl, username, password);

  async function launchAndType(
    page: Page,
    shot: (step: string) => Promise<void>,
    workspace: string,
    app: string,
  ) {
    await page
      .getByRole('article', { name: workspace })
      .getByRole('button', { name: `Launch ${app}` })
      .click();
    const display = page.getByLabel('Remote display');
    await display.waitFor({ timeout: 60_000 });
    await until(
      'frames on the canvas',
      async () => ((await framesDrawn(page)) > 0 ? true : undefined),
      30_000,
    );
    await shot('session-started');

    // Focus follows the pointer in the session: over the xterm, then a shell command typed on the keyboard.
    const box = (await display.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.15, box.y + box.height * 0.15);
    await display.click({ position: { x: box.width * 0.15, y: box.height * 0.15 } });
    const before = await framesDrawn(page);
    // Typed into the sandboxed shell: the file lands in the session user's home, the one place it may write.
    const name = `typed-${randomUUID().slice(0, 8)}`;
    const homes = join(dir, '.data', 'homes');
    await page.keyboard.type(`touch ~/${name}`, { delay: 15 });
    await page.keyboard.press('Enter');
    await until(
      'the typed command to create its file',
      () =>
        existsSync(homes) && readdirSync(homes).some((home) => existsSync(join(homes, home, name)))
          ? true
          : undefined,
      20_000,
    ).catch(async (error: unknown) => {
      await shot('typing-failed');
      throw error;
    });
    expect(await framesDrawn(page)).toBeGreaterThan(before);
    await shot('typed-into-xterm');
    await expect(page.getByRole('status').first().textContent()).resolves.toMatch(/fps/);

    await page.getByRole('button', { name: 'End session' }).click();
    await page.getByRole('article', { name: workspace }).waitFor({ timeout: 60_000 });
    await shot('after-end-session');
  }

  it('signs the demo user in, launches the demo workspace, streams and types into it, and ends the session, the launch one trace', async () => {
    const { page, shot, errors } = await newPage('demo');
    await signIn(page, 'demo', passwords['demo']!);
    await page.getByRole('article', { name: 'Demo workspace' }).waitFor({ timeout: 60_000 });
    await shot('workspaces');
    await launchAndType(page, shot, 'Demo workspace', 'Terminal');
    expect(errors).toEqual([]);
    await page.context().close();
    await expectLaunchTraced();
  });

  /** The launch as one trace: the browser's select, its /getConnection through the gateway and the session host, to the streamer's start. */
  async function expectLaunchTraced(): Promise<void> {
    // The select and /getConnection carry the session's trace, which the browser made.
    const launch = await until('the streamer start, in the trace of a launch', () => {
      for (const start of receiver.spans.filter((s) => s.name === 'streamer-agent.start')) {
        const trace = receiver.spans.filter((s) => s.traceId === start.traceId);
        const named = (name: string, path?: string) =>
          trace.find((s) => s.name === name && (path === undefined || s.attributes['url.path'] === path));
        const select = named('gateway.route', '/gateway/session/select');
        const connection = named('gateway.route', '/getConnection');
        const hostConnection = named('session-host.route', '/getConnection');
        if (select && connection && hostConnection)
          return { trace, start, select, connection, hostConnection };
      }
      return undefined;
    });
    const { trace, start, select, connection, hostConnection } = launch;
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const parentOf = (span: ExportedSpan) => byId.get(span.parentSpanId);
    // The browser's spans are not exported: the gateway's are children of a span the browser made.
    for (const fromBrowser of [select, connection]) {
      expect(fromBrowser.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
      expect(parentOf(fromBrowser)).toBeUndefined();
    }
    const childrenOf = (span: ExportedSpan, name: string) =>
      trace.filter((s) => s.parentSpanId === span.spanId && s.name === name);
    expect(childrenOf(connection, 'gateway.auth.validate')).toHaveLength(1);
    const [send] = childrenOf(connection, 'gateway.transport.send');
    expect(send).toBeDefined();
    expect(parentOf(hostConnection)).toBe(send);
    expect(parentOf(start)).toBe(hostConnection);
    expect(Number(connection.attributes['http.response.status_code'])).toBe(200);
  }

  it('lets an admin create a user and a workspace and entitle one to the other, which that user then launches', async () => {
    const { page, shot, errors } = await newPage('admin');
    await signIn(page, 'admin', passwords['admin']!);
    await page.getByRole('link', { name: 'Administration' }).click();
    const admin = page.getByRole('navigation', { name: 'Administration' });

    const username = `ada-${randomUUID().slice(0, 6)}`;
    const password = 'a long passphrase for ada';
    await admin.getByRole('link', { name: 'Users' }).click();
    await page
      .getByRole('link', { name: 'New user' })
      .or(page.getByRole('button', { name: 'New user' }))
      .click();
    // In the demo organization, whose Terminal application the new workspace will offer.
    await page.getByRole('combobox', { name: 'Organization', exact: true }).selectOption({ label: 'Demo' });
    await page.getByLabel(/^User name( \*)?$/).fill(username);
    await page.getByLabel(/^Password( \*)?$/).fill(password);
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^User .* created/ })
      .waitFor({ timeout: 60_000 });
    await shot('user-created');

    const workspaceName = `Ada's desk ${randomUUID().slice(0, 4)}`;
    await admin.getByRole('link', { name: 'Workspaces' }).click();
    await page
      .getByRole('link', { name: 'New workspace' })
      .or(page.getByRole('button', { name: 'New workspace' }))
      .click();
    await page.getByRole('combobox', { name: 'Organization', exact: true }).selectOption({ label: 'Demo' });
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(workspaceName);
    await page
      .getByRole('listbox', { name: 'Applications', exact: true })
      .selectOption({ label: 'Terminal' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Workspace .* created/ })
      .waitFor({ timeout: 60_000 });
    await shot('workspace-created');

    await admin.getByRole('link', { name: 'Entitlements' }).click();
    await page
      .getByRole('link', { name: 'New entitlement' })
      .or(page.getByRole('button', { name: 'New entitlement' }))
      .click();
    await page.getByRole('combobox', { name: 'Organization', exact: true }).selectOption({ label: 'Demo' });
    await page
      .getByRole('combobox', { name: 'Workspace', exact: true })
      .selectOption({ label: workspaceName });
    await page.getByRole('combobox', { name: 'User', exact: true }).selectOption({ label: username });
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Entitlement .* created/ })
      .waitFor({ timeout: 60_000 });
    await shot('entitlement-created');

    // The gateway's view of what it depends on, from its own timed checks.
    await admin.getByRole('link', { name: 'Operations' }).click();
    const dependencies = page.getByRole('table', { name: 'Services the gateway depends on' });
    const dependency = (name: RegExp) =>
      dependencies.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
    for (const service of [/^IAM$/, /^PostgreSQL \(IAM\)$/, /^metrics engine$/, /^http:\/\//]) {
      await dependency(service)
        .filter({ has: page.getByRole('cell', { name: 'up', exact: true }) })
        .waitFor({ timeout: 60_000 });
    }
    await shot('platform-health');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, username, password);
    await page.getByRole('article', { name: workspaceName }).waitFor({ timeout: 60_000 });
    await shot('new-user-workspaces');
    await launchAndType(page, shot, workspaceName, 'Terminal');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
