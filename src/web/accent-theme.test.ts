import assert from 'node:assert/strict';
import { it } from 'node:test';
import { accentStylesheet, accentTokens, contrast } from './accent-theme.js';

const rgb = (hex: string) => [1, 3, 5].map((index) => Number.parseInt(hex.slice(index, index + 2), 16)) as unknown as [number, number, number];

it('keeps a dark brand colour as it is on light pages and lightens it for dark pages', () => {
  const tokens = accentTokens('#1f56c4');
  assert.equal(tokens.light.accent, '#1f56c4');
  assert.ok(contrast(rgb(tokens.dark.accent), [23, 27, 33]) >= 4.5);
  assert.equal(tokens.light.contrast, '#ffffff');
});

it('darkens a pale brand colour (yellow) until links and buttons reach 4.5:1 on white, with dark text on dark-mode buttons', () => {
  const tokens = accentTokens('#ffd400');
  assert.notEqual(tokens.light.accent, '#ffd400');
  assert.ok(contrast(rgb(tokens.light.accent), [255, 255, 255]) >= 4.5);
  assert.ok(contrast(rgb(tokens.light.accent), [245, 246, 248]) >= 4.5);
  assert.equal(tokens.dark.contrast, '#0b1018');
  assert.ok(contrast(rgb(tokens.dark.accent), rgb(tokens.dark.contrast)) >= 4.5);
});

it('writes the tokens for light, the system dark preference and a chosen dark theme', () => {
  const css = accentStylesheet('#0a7d4f');
  assert.match(css, /--accent: #0a7d4f;/);
  assert.match(css, /prefers-color-scheme: dark/);
  assert.match(css, /data-theme='dark'/);
});
