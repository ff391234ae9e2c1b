/**
 * Browser tests drive Debian's Chromium (/usr/bin/chromium) with playwright-core: never a
 * downloaded browser. Where Chromium is absent the tests are skipped with that reason (.ci/run
 * installs it). axe-core checks each page for serious or critical accessibility violations.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export const browserSkip: string | undefined = existsSync(CHROMIUM) ? undefined : `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Fails on any serious or critical axe-core violation of the page as it is now. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `axe-core violations on ${what}`,
  );
}

/** Fails when the page scrolls sideways (a phone-sized viewport must fit). */
export async function assertNoHorizontalScroll(page: Page, what: string): Promise<void> {
  const { scroll, client } = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as { scroll: number; client: number };
  assert.ok(scroll <= client, `${what} scrolls sideways: ${scroll}px of content in ${client}px`);
}

/** Where PNGs for the README go when SCIMD_SCREENSHOTS is set (npm run screenshots). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCIMD_SCREENSHOTS;
  if (!dir) return;
  // The passing notice at the foot of the window would cover the page.
  await page.evaluate("document.getElementById('status')?.replaceChildren()");
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}
