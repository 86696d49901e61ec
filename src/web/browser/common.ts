/** Loaded on every page: theme toggle, language switcher, copy buttons with a toast, local and relative times. */
import { copyText, strings } from './dom.js';

const THEME_KEY = 'passdrop-theme';
const root = document.documentElement;
root.classList.add('js');

/** A visitor's choice wins; without one, the operator's PASSDROP_COLOR_SCHEME (data-default-theme) or the system's. */
function applyTheme(theme: string | null): void {
  const chosen = theme === 'dark' || theme === 'light' ? theme : root.dataset.defaultTheme;
  if (chosen === 'dark' || chosen === 'light') root.dataset.theme = chosen;
  else delete root.dataset.theme;
  document.querySelector('meta[name="color-scheme"]')?.setAttribute('content', root.dataset.theme ?? 'light dark');
}

function effectiveDark(): boolean {
  return root.dataset.theme === 'dark' || (root.dataset.theme !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches);
}

applyTheme(localStorage.getItem(THEME_KEY));
const toggle = document.querySelector<HTMLButtonElement>('[data-theme-toggle]');
if (toggle) {
  toggle.hidden = false;
  const sync = () => toggle.setAttribute('aria-pressed', String(effectiveDark()));
  sync();
  toggle.addEventListener('click', () => {
    const next = effectiveDark() ? 'light' : 'dark';
    localStorage.setItem(THEME_KEY, next);
    applyTheme(next);
    sync();
  });
}

for (const select of document.querySelectorAll<HTMLSelectElement>('select[data-autosubmit]')) {
  select.addEventListener('change', () => select.form?.submit());
}

const text = strings();

/** Shows a short message at the bottom of the screen (announced politely), gone after two seconds. */
function toast(message: string): void {
  const region = document.querySelector<HTMLElement>('[data-toast-region]');
  if (!region) return;
  const item = document.createElement('div');
  item.className = 'toast';
  item.textContent = message;
  region.replaceChildren(item);
  setTimeout(() => item.remove(), 2000);
}

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-copy]')) {
  button.addEventListener('click', async () => {
    const target = document.getElementById(button.dataset.copy ?? '');
    const value = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ? target.value : (target?.textContent ?? '');
    if (!(await copyText(value))) return;
    const label = button.querySelector('span') ?? button;
    const before = label.textContent;
    label.textContent = text.copied ?? 'Copied';
    toast(text.copied ?? 'Copied');
    setTimeout(() => {
      label.textContent = before;
    }, 2000);
  });
}

const localTime = new Intl.DateTimeFormat(root.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' });
for (const time of document.querySelectorAll<HTMLTimeElement>('time[data-local-time]')) {
  time.textContent = localTime.format(new Date(time.dateTime));
}

// "in 6 days" / "3 hours ago", with the exact local time on hover (the server wrote the exact UTC time).
const relative = new Intl.RelativeTimeFormat(root.lang || undefined, { numeric: 'auto' });
const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 31536000],
  ['month', 2592000],
  ['week', 604800],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];
for (const time of document.querySelectorAll<HTMLTimeElement>('time[data-relative]')) {
  const seconds = (new Date(time.dateTime).getTime() - Date.now()) / 1000;
  const [unit, size] = UNITS.find(([, length]) => Math.abs(seconds) >= length) ?? ['second', 1];
  time.title = localTime.format(new Date(time.dateTime));
  time.textContent = relative.format(Math.round(seconds / size), unit);
}
