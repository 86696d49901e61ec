import type { Page } from 'playwright-core';

/** Checks "Custom" among the create form's expiry presets, which shows the lifetime and views fields. */
export async function chooseCustomExpiry(page: Page): Promise<void> {
  await page.check('#expiry_preset-custom');
}

/** Unfolds the create form's "More options" (reveal step, deletion, name and note), whatever its state. */
export async function openMoreOptions(page: Page): Promise<void> {
  await page.locator('details.advanced').evaluate((details) => {
    (details as HTMLDetailsElement).open = true;
  });
}
