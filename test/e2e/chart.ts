import type { Locator, Page } from '@playwright/test';

/**
 * Collects what the page reports as Content Security Policy violations (the console message and
 * the securitypolicyviolation event both), from before the first script runs. Call before goto.
 */
export async function cspViolations(page: Page): Promise<string[]> {
  const found: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) found.push(m.text());
  });
  await page.exposeFunction('__reportCsp', (text: string) => found.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCsp: (t: string) => void }).__reportCsp(
        `${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
      );
    });
  });
  return found;
}

/** The uPlot chart inside a TimeChart (by its test id): the element with role="img" and its summary. */
export const plotOf = (chart: Locator) => chart.getByRole('img');

/** Moves the mouse over a chart's plotting area at `fraction` of its width, as a person hovering a bar. */
export async function hoverChart(chart: Locator, fraction: number): Promise<void> {
  const over = chart.locator('.u-over');
  const box = await over.boundingBox();
  if (!box) throw new Error('the chart has no plotting area on screen');
  await over.hover({ position: { x: box.width * fraction, y: box.height / 2 } });
}
