import path from 'node:path';
import type { Page } from '@playwright/test';
import { fillWithRealUse, ledgerCsv } from '../../scripts/sample-data.mjs';
import { root, type RunningServer } from '../headless/harness.ts';
import { call, expect, test, testWithLedger } from './fixture.ts';

/**
 * Every page, at a phone's width and a desktop's, in light and dark: no horizontal overflow, and no
 * critical or serious axe-core violation. The page list is read from the app's own navigation, so a
 * page added later is checked without touching this file.
 */

// Injected directly: @axe-core/playwright needs Node 22.
const AXE = path.join(root, 'node_modules', 'axe-core', 'axe.min.js');
// The narrowest phone the layout is made for is only measured; axe's answer does not change there.
const WIDTHS = [
  { width: 360, height: 740, axe: false },
  { width: 390, height: 844, axe: true },
  { width: 1440, height: 900, axe: true },
];
type Scheme = 'light' | 'dark';

// The page's Content-Security-Policy allows only its own scripts; axe is injected as an inline
// script tag, so this file's pages let it in. Nothing checked here depends on the policy.
test.use({ bypassCSP: true });

type NavPage = { title: string; hash: string };

/** The pages the navigation links to, in its order. */
async function navPages(page: Page): Promise<NavPage[]> {
  const links = page.getByRole('navigation', { name: 'Main' }).locator('a[href^="#/"]');
  await expect(links.first()).toBeAttached();
  return links.evaluateAll((as) =>
    as.map((a) => ({ title: a.textContent?.trim() ?? '', hash: a.getAttribute('href') ?? '' })),
  );
}

/**
 * Opens a page by its hash (the app stays loaded, as when a link is followed) and waits until it
 * has settled: its heading shows and no card still says "Loading…" (given up after 10 s, as a card
 * may wait on something that never answers here, which is then what gets checked).
 */
async function open(page: Page, server: RunningServer, p: NavPage): Promise<void> {
  await page.goto(`${server.url}${p.hash}`);
  await expect(page.getByRole('heading', { level: 1, name: p.title, exact: true })).toBeVisible();
  await page
    .waitForFunction(() => !document.body.innerText.includes('Loading…'), undefined, { timeout: 10_000 })
    .catch(() => undefined);
  // Charts lay themselves out in the frames after their data arrived.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Null when the page fits the window's width; else its widths and the elements that stick out. */
async function overflow(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const doc = document.documentElement;
    if (doc.scrollWidth <= doc.clientWidth) return null;
    // Inside a box that clips or scrolls, an element may reach past the window without widening the page.
    const clipped = (el: Element) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
        if (getComputedStyle(p).overflowX !== 'visible') return true;
      return false;
    };
    const sticking = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1 && !clipped(el))
      // The outermost offenders only: their children stick out because they do.
      .filter((el) => !(el.parentElement && el.parentElement.getBoundingClientRect().right > doc.clientWidth + 1))
      .slice(0, 5)
      .map((el) => {
        const cls = typeof el.className === 'string' && el.className ? `.${el.className.split(' ').join('.')}` : '';
        const id = el.getAttribute('data-testid') ?? el.textContent?.trim().slice(0, 30);
        return `${el.tagName.toLowerCase()}${cls}${id ? `[data-testid=${id}]` : ''} (right ${Math.round(el.getBoundingClientRect().right)} px)`;
      });
    return `scrollWidth ${doc.scrollWidth} > clientWidth ${doc.clientWidth}: ${sticking.join(', ')}`;
  });
}

type AxeViolation = {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
};

/** axe-core's critical and serious violations on the page as it is now, one line per element. */
async function axeProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: unknown[] }> } }
    ).axe;
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations as AxeViolation[];
  });
  return violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .flatMap((v) =>
      v.nodes.map(
        (n) =>
          `${v.impact} ${v.id} at ${JSON.stringify(n.target)}: ${(n.failureSummary ?? v.help).replace(/\s+/g, ' ').slice(0, 220)}`,
      ),
    );
}

/** Every page at each width in one colour scheme: what overflows or fails axe, each line labelled. */
async function checkEveryPage(page: Page, server: RunningServer, scheme: Scheme): Promise<string[]> {
  await page.emulateMedia({ colorScheme: scheme });
  await page.goto(server.url);
  const pages = await navPages(page);
  expect(pages.length).toBeGreaterThanOrEqual(8);
  const problems: string[] = [];
  for (const size of WIDTHS) {
    await page.setViewportSize({ width: size.width, height: size.height });
    for (const p of pages) {
      await open(page, server, p);
      const where = `${p.title} at ${size.width} px, ${scheme}`;
      const over = await overflow(page);
      if (over) problems.push(`${where}: overflows sideways, ${over}`);
      if (size.axe) for (const line of await axeProblems(page)) problems.push(`${where}: ${line}`);
    }
  }
  console.log(`${pages.length} pages × ${WIDTHS.length} widths, ${scheme}: ${problems.length} problems`);
  return problems;
}

for (const scheme of ['light', 'dark'] as const) {
  test(`a fresh install: every page fits 360, 390 and 1440 px and has no critical or serious axe violation (${scheme})`, async ({
    page,
    server,
  }) => {
    test.setTimeout(240_000);
    const problems = await checkEveryPage(page, server, scheme);
    expect(problems, problems.join('\n')).toEqual([]);
  });
}

// Two weeks of ledger history and today so far (History's charts and tables), imported before the server starts.
// Written as of when this file loads, so the row count it must report is known beforehand.
const asOf = Date.now();
const rows = ledgerCsv(asOf).trim().split('\n').length - 1;
const used = testWithLedger(() => ledgerCsv(asOf), rows);

for (const scheme of ['light', 'dark'] as const) {
  used(
    `after real use (2023 prices, heating, jobs, two weeks of history): every page fits and passes axe (${scheme})`,
    async ({ page, server }) => {
      test.setTimeout(300_000);
      await page.goto(server.url);
      await fillWithRealUse((method, args) => call(page, method, args), server.dataDir);
      // The planner has planned with those prices before the pages are looked at.
      await expect
        .poll(async () => ((await call(page, 'plan-get', {})).result as { plan: unknown } | undefined)?.plan ?? null, {
          timeout: 30_000,
        })
        .not.toBeNull();
      const problems = await checkEveryPage(page, server, scheme);
      expect(problems, problems.join('\n')).toEqual([]);
    },
  );
}

test('at 390 px the pages sit behind a menu button; a skip link comes first; a new page moves focus to its heading', async ({
  page,
  server,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(server.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  // The first Tab reaches the skip link; following it puts focus on the page's content.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  const nav = page.getByRole('navigation', { name: 'Main' });
  const menu = nav.getByRole('button', { name: 'Menu' });
  const jobs = nav.getByRole('link', { name: 'Jobs' });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(jobs).toBeHidden();
  await menu.click();
  await expect(nav.getByRole('button', { name: 'Close menu' })).toHaveAttribute('aria-expanded', 'true');
  await expect(jobs).toBeVisible();
  // The controlled list is the one that opened.
  const controls = await nav.getByRole('button', { name: 'Close menu' }).getAttribute('aria-controls');
  await expect(page.locator(`#${controls}`)).toBeVisible();

  // Escape closes it and gives focus back to the button.
  await jobs.focus();
  await page.keyboard.press('Escape');
  await expect(jobs).toBeHidden();
  await expect(menu).toBeFocused();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');

  // Following a link closes the menu and focuses the new page's heading, which a screen reader reads.
  await menu.click();
  await jobs.click();
  const heading = page.getByRole('heading', { level: 1, name: 'Jobs' });
  await expect(heading).toBeFocused();
  await expect(jobs).toBeHidden();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');

  // At a desktop width the list is always there and the button is not.
  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(menu).toBeHidden();
  await expect(nav.getByRole('link', { name: 'Plan' })).toBeVisible();
  await nav.getByRole('link', { name: 'Plan' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Plan' })).toBeFocused();
});

test('a control reached with Tab shows a solid outline of at least 2 px', async ({ page, server }) => {
  await page.goto(server.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const focused = page.locator(':focus');
  await expect(focused).toHaveCount(1);
  const outline = await focused.evaluate((el) => {
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  expect(outline.style).toBe('solid');
  expect(outline.width).toBeGreaterThanOrEqual(2);
});

test('a table wider than a phone scrolls inside its card, is a tab stop named by the card, and is no tab stop when it fits', async ({
  page,
  server,
}) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.url}#/jobs`);
  await fillWithRealUse((method, args) => call(page, method, args), server.dataDir);
  // The box around the table (the card, a region named Jobs too, holds it).
  const region = page.getByTestId('job-table').locator('xpath=..');
  await expect(region).toHaveAttribute('tabindex', '0');
  await expect(region).toHaveRole('region');
  await expect(region).toHaveAccessibleName('Jobs');
  // The page itself stays the window's width; the table is wider than its box.
  const widths = await region.evaluate((el) => ({
    box: el.clientWidth,
    table: el.scrollWidth,
    page: document.documentElement.scrollWidth,
    window: document.documentElement.clientWidth,
  }));
  expect(widths.table).toBeGreaterThan(widths.box);
  expect(widths.page).toBeLessThanOrEqual(widths.window);
  // A keyboard user scrolls it once it has focus.
  await region.focus();
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => region.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);

  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(region).not.toHaveAttribute('tabindex', /.*/);
  await expect(region).not.toHaveAttribute('role', /.*/);
});
