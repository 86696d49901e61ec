/**
 * The operator's accent colour (PASSDROP_BRAND_ACCENT) as token overrides for /brand/theme.css.
 *
 * Contrast follows WCAG 2.1 (relative luminance, contrast ratio (L1 + 0.05) / (L2 + 0.05)): the accent is
 * darkened on light pages and lightened on dark ones, in small steps, until it reaches 4.5:1 against the
 * surface it sits on, so a pale brand colour never produces unreadable links or buttons. The text on an
 * accent button is white or near-black, whichever contrasts more.
 */

type Rgb = readonly [number, number, number];

const LIGHT_SURFACE: Rgb = [255, 255, 255];
const LIGHT_BG: Rgb = [245, 246, 248];
const DARK_SURFACE: Rgb = [23, 27, 33];
const DARK_BG: Rgb = [15, 18, 22];
const WHITE: Rgb = [255, 255, 255];
const INK: Rgb = [11, 16, 24];

function parseHex(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function toHex(rgb: Rgb): string {
  return `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG 2.1 relative luminance of an sRGB colour (0 black … 1 white). */
export function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.1 contrast ratio between two colours, 1 … 21. */
export function contrast(a: Rgb, b: Rgb): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

function mix(a: Rgb, b: Rgb, amount: number): Rgb {
  return [0, 1, 2].map((index) => a[index]! + (b[index]! - a[index]!) * amount) as unknown as Rgb;
}

/** Moves `colour` toward `target` until it has 4.5:1 against every background given. */
function readableOn(colour: Rgb, backgrounds: readonly Rgb[], target: Rgb): Rgb {
  let current = colour;
  for (let step = 0; step <= 20 && !backgrounds.every((bg) => contrast(current, bg) >= 4.5); step++) {
    current = mix(colour, target, step / 20);
  }
  return current.map(Math.round) as unknown as Rgb;
}

function textOn(colour: Rgb): Rgb {
  return contrast(colour, WHITE) >= contrast(colour, INK) ? WHITE : INK;
}

export interface AccentTokens {
  readonly light: { accent: string; strong: string; contrast: string; soft: string };
  readonly dark: { accent: string; strong: string; contrast: string; soft: string };
}

/** The light and dark accent tokens for '#rrggbb'; each `accent` has ≥ 4.5:1 on its page's surfaces. */
export function accentTokens(hex: string): AccentTokens {
  const base = parseHex(hex);
  const light = readableOn(base, [LIGHT_SURFACE, LIGHT_BG], [0, 0, 0]);
  const dark = readableOn(base, [DARK_SURFACE, DARK_BG], WHITE);
  return {
    light: { accent: toHex(light), strong: toHex(mix(light, [0, 0, 0], 0.2)), contrast: toHex(textOn(light)), soft: toHex(mix(LIGHT_SURFACE, light, 0.1)) },
    dark: { accent: toHex(dark), strong: toHex(mix(dark, WHITE, 0.25)), contrast: toHex(textOn(dark)), soft: toHex(mix(DARK_SURFACE, dark, 0.18)) },
  };
}

/** The stylesheet served at /brand/theme.css: the accent tokens for light, dark and the system preference. */
export function accentStylesheet(hex: string): string {
  const { light, dark } = accentTokens(hex);
  const declarations = (tokens: AccentTokens['light']) =>
    `--accent: ${tokens.accent}; --accent-strong: ${tokens.strong}; --accent-contrast: ${tokens.contrast}; --accent-soft: ${tokens.soft};`;
  return [
    `/* PASSDROP_BRAND_ACCENT ${hex}: adjusted for WCAG AA contrast on light and dark pages */`,
    `:root, :root[data-palette] { ${declarations(light)} }`,
    `@media (prefers-color-scheme: dark) { :root:not([data-theme='light']), :root[data-palette]:not([data-theme='light']) { ${declarations(dark)} } }`,
    `:root[data-theme='dark'], :root[data-palette][data-theme='dark'] { ${declarations(dark)} }`,
    '',
  ].join('\n');
}
