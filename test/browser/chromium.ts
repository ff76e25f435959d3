import { existsSync } from 'node:fs';
import { afterAll } from 'vitest';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether the browser tests can run; when not, say why once, so a skip is not silent. */
export const chromiumMissing = !existsSync(CHROMIUM_PATH);
if (chromiumMissing) {
  console.warn(`Browser tests skipped: no chromium at ${CHROMIUM_PATH} (apt-get install chromium; .ci/run installs it).`);
}

const browsers = new Set<Browser>();

/** A headless chromium that talks to nothing but what a test points it at; closed after the file. */
export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  browsers.add(browser);
  return browser;
}

/** The page's uncaught errors and console errors, for asserting there were none. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

afterAll(async () => {
  await Promise.all([...browsers].map((browser) => browser.close()));
  browsers.clear();
});
