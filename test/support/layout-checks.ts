// In-page layout checks for test/browser/layout-invariants.test.ts: tap target sizes (WCAG 2.2 2.5.8) and
// focus rings. Contexts that run them need `globalThis.__name` defined (see LAYOUT_CHECKS_INIT).
import type { Page } from 'playwright-core';

/** tsx keeps function names with a __name helper that the page does not have; an init script gives it one. */
export const LAYOUT_CHECKS_INIT = 'globalThis.__name = (fn) => fn;';

/** How many Tab presses each page gets for the focus check (enough to cross the header into the content). */
const TABS = 30;

/** Tap targets smaller than 24 × 24 px that no exception of WCAG 2.2 2.5.8 covers. */
export async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const MIN = 24;
    const describe = (element: Element) =>
      `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${element.className && typeof element.className === 'string' ? `.${element.className.trim().split(/\s+/).join('.')}` : ''} "${(element.textContent ?? '').trim().slice(0, 30)}"`;
    const visible = (element: Element) => {
      const style = getComputedStyle(element);
      const rect = element.getBoundingClientRect();
      return style.visibility !== 'hidden' && style.display !== 'none' && rect.width > 0 && rect.height > 0 && !element.closest('[hidden], details:not([open]) > :not(summary)');
    };
    const targets = [...document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea, summary, [role="button"]')].filter(visible);
    /** Inline exception: a link inside a sentence, its size set by the line height of the text around it. */
    const inline = (element: Element) => {
      if (getComputedStyle(element).display !== 'inline') return false;
      const block = element.parentElement;
      const own = (element.textContent ?? '').trim().length;
      return !!block && (block.textContent ?? '').trim().length > own;
    };
    /** Checkboxes and radios count with their label: clicking either activates the control. */
    const box = (element: Element): DOMRect => {
      const rect = element.getBoundingClientRect();
      if (element instanceof HTMLInputElement && (element.type === 'checkbox' || element.type === 'radio')) {
        const label = element.labels?.[0];
        if (label && visible(label)) {
          const other = label.getBoundingClientRect();
          const left = Math.min(rect.left, other.left);
          const top = Math.min(rect.top, other.top);
          return new DOMRect(left, top, Math.max(rect.right, other.right) - left, Math.max(rect.bottom, other.bottom) - top);
        }
      }
      return rect;
    };
    const boxes = targets.map((element) => ({ element, rect: box(element) }));
    const small = boxes.filter(({ rect }) => rect.width < MIN - 0.5 || rect.height < MIN - 0.5);
    const centre = (rect: DOMRect) => ({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 });
    const circleHitsRect = (c: { x: number; y: number }, rect: DOMRect) => {
      const dx = Math.max(rect.left - c.x, 0, c.x - rect.right);
      const dy = Math.max(rect.top - c.y, 0, c.y - rect.bottom);
      return dx * dx + dy * dy < (MIN / 2) ** 2;
    };
    return small
      .filter(({ element, rect }) => {
        if (inline(element)) return false;
        // Spacing exception: a 24 px circle on its centre meets no other target, nor another small one's circle.
        const c = centre(rect);
        const crowded = boxes.some((other) => {
          if (other.element === element || other.element.contains(element) || element.contains(other.element)) return false;
          if (circleHitsRect(c, other.rect)) return true;
          if (!small.includes(other)) return false;
          const o = centre(other.rect);
          return Math.hypot(o.x - c.x, o.y - c.y) < MIN;
        });
        return crowded;
      })
      .map(({ element, rect }) => `${describe(element)} is ${Math.round(rect.width)}×${Math.round(rect.height)}`);
  });
}

/** Tabs through the page; every element that takes focus must show an outline or a box shadow. */
export async function focusWithoutRing(page: Page): Promise<string[]> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  const missing: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < TABS; i++) {
    await page.keyboard.press('Tab');
    const result = await page.evaluate(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return null;
      const style = getComputedStyle(element);
      const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
      const path = [...document.querySelectorAll('*')].indexOf(element);
      return { key: `${element.tagName}:${path}`, label: `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''} "${(element.textContent ?? '').trim().slice(0, 30)}"`, ring: outline || shadow };
    });
    if (!result) continue;
    if (seen.has(result.key)) break;
    seen.add(result.key);
    if (!result.ring) missing.push(result.label);
  }
  return missing;
}

