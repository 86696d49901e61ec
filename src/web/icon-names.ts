/**
 * The Lucide icons (lucide-static, ISC licence) the pages use. scripts/build-browser.mjs bundles exactly
 * these into one SVG sprite, /assets/icons.svg, so a page references `icons.svg#lock` and the browser
 * fetches one cached file. Add a name here before using it with `icon()`; this file imports nothing
 * because the build script loads it on its own.
 */
export const ICON_NAMES = [
  'lock',
  'lock-keyhole',
  'shield-check',
  'eye',
  'eye-off',
  'copy',
  'check',
  'clock',
  'hourglass',
  'key-round',
  'link',
  'qr-code',
  'file-text',
  'trash-2',
  'triangle-alert',
  'circle-alert',
  'circle-check',
  'inbox',
  'log-out',
  'settings',
  'layout-dashboard',
  'user',
  'shield',
  'plus',
  'external-link',
  'sun',
  'moon',
  'info',
  'history',
  'globe',
  'send',
  'mail',
  'type',
  'server',
  'ban',
  'sparkles',
  'bell',
] as const;

export type IconName = (typeof ICON_NAMES)[number];
