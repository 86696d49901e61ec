/** Loaded on every page: theme toggle, language switcher, copy buttons, local times. */
import { strings } from './dom.js';

const THEME_KEY = 'passdrop-theme';
const root = document.documentElement;
root.classList.add('js');

function applyTheme(theme: string | null): void {
  if (theme === 'dark' || theme === 'light') root.dataset.theme = theme;
  else delete root.dataset.theme;
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
for (const button of document.querySelectorAll<HTMLButtonElement>('[data-copy]')) {
  button.addEventListener('click', async () => {
    const target = document.getElementById(button.dataset.copy ?? '');
    const value = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ? target.value : (target?.textContent ?? '');
    await navigator.clipboard.writeText(value);
    const label = button.textContent;
    button.textContent = text.copied ?? 'Copied';
    setTimeout(() => {
      button.textContent = label;
    }, 2000);
  });
}

const localTime = new Intl.DateTimeFormat(root.lang || undefined, { dateStyle: 'medium', timeStyle: 'short' });
for (const time of document.querySelectorAll<HTMLTimeElement>('time[data-local-time]')) {
  time.textContent = localTime.format(new Date(time.dateTime));
}
