import type { Locator, Page } from '@playwright/test';
import type { RunningServer } from '../headless/harness.ts';
import { expect } from './fixture.ts';

/**
 * The app's pages by the title each shows in its h1, with their hash routes. Written out rather than
 * imported from renderer/app/routes.ts, which would pull the React pages into the test process.
 */
const routes = {
  Dashboard: '/',
  Devices: '/devices',
  Schedules: '/schedules',
  Jobs: '/jobs',
  Mining: '/mining',
  History: '/history',
  Plan: '/plan',
  Settings: '/settings',
} as const;

export type PageTitle = keyof typeof routes;

/**
 * Opens a page from the address the server printed (the token included, so the page gets its
 * session cookie) and waits until the app shows that page's title. Only the frame is there by then:
 * a test waits for the card it needs.
 */
export async function openPage(page: Page, server: Pick<RunningServer, 'url'>, title: PageTitle): Promise<void> {
  await page.goto(`${server.url}#${routes[title]}`);
  await expect(page.getByRole('heading', { name: title, level: 1, exact: true })).toBeVisible();
}

/**
 * Sets form fields by test id, in the order given (a choice can bring the next fields into the
 * form), as a user would: a select picks the option, true or false ticks or clears a checkbox, and
 * anything else is typed into.
 */
export async function setFields(page: Page, fields: Record<string, string | boolean>): Promise<void> {
  for (const [testId, value] of Object.entries(fields)) {
    const field = page.getByTestId(testId);
    if (typeof value === 'boolean') await field.setChecked(value);
    else if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
}

/** Expects each field, by test id, to hold its value: what a reload shows was stored. */
export async function expectFields(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [testId, value] of Object.entries(fields)) await expect(page.getByTestId(testId)).toHaveValue(value);
}

/**
 * A settings card, found by its Save button (test id `<name>-save`). Its alert is its own: a page
 * can show several at once (the Plan page's warnings, a refusal on another card).
 */
export function card(page: Page, name: string): Locator {
  return page.locator('section.card').filter({ has: page.getByTestId(`${name}-save`) });
}

/** Saves a card and waits for its "saved" marker (test id `<name>-saved`). */
export async function save(page: Page, name: string): Promise<void> {
  await page.getByTestId(`${name}-save`).click();
  await expect(page.getByTestId(`${name}-saved`)).toBeVisible();
}

/** Saves a card and expects the save refused: the card's alert says `message`. */
export async function saveRefused(page: Page, name: string, message: string | RegExp): Promise<void> {
  await page.getByTestId(`${name}-save`).click();
  await expect(card(page, name).getByRole('alert')).toContainText(message);
}

/** Fills `field` with `text`, presses the button with test id `button` and expects the refusal at that field. */
export async function fillRefused(
  field: Locator,
  text: string,
  button: string,
  message: string | RegExp,
): Promise<void> {
  await field.fill(text);
  await field.page().getByTestId(button).click();
  await expectFieldRefused(field, message);
}

/**
 * A refused input, as a person meets it: the plain message at the field (what its
 * aria-describedby names), the field marked aria-invalid and holding the focus, and no method
 * name, schema path or zod wording in the message.
 */
export async function expectFieldRefused(field: Locator, message: string | RegExp): Promise<void> {
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toBeFocused();
  const describedBy = await field.getAttribute('aria-describedby');
  expect(describedBy).toBeTruthy();
  const note = field.page().locator(`[id="${describedBy}"]`);
  await expect(note).toHaveText(message);
  expect((await note.textContent()) ?? '').not.toMatch(
    /[a-z]+-[a-z]+:|\b\w+\.\d+\.|too small|too big|expected (number|string)|received|invalid input/i,
  );
}
