// Renders src/web/assets/favicons/favicon.svg to the PNG touch icons and favicon.ico in Debian's Chromium
// (playwright-core, as the browser tests use), so the committed PNGs always match the SVG mark.
// Run after changing the mark: npx tsx scripts/build-icons.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { launchBrowser } from '../test/support/browser.js';

const directory = 'src/web/assets/favicons';
const svg = readFileSync(`${directory}/favicon.svg`, 'utf8');
// Touch icons get a padded white tile (iOS and Android crop transparent corners into black or white).
const sizes: Array<{ name: string; size: number; tile: boolean }> = [
  { name: 'apple-touch-icon.png', size: 180, tile: true },
  { name: 'icon-192.png', size: 192, tile: true },
  { name: 'icon-512.png', size: 512, tile: true },
  { name: 'favicon-32.png', size: 32, tile: false },
  { name: 'favicon-16.png', size: 16, tile: false },
];

const browser = await launchBrowser();
const page = await browser.newPage();
const rendered = new Map<string, Buffer>();
for (const { name, size, tile } of sizes) {
  await page.setViewportSize({ width: size, height: size });
  const padding = tile ? Math.round(size * 0.14) : 0;
  await page.setContent(
    `<html><body style="margin:0;background:${tile ? '#ffffff' : 'transparent'}"><div style="padding:${padding}px;width:${size}px;height:${size}px;box-sizing:border-box">${svg.replace('<svg ', `<svg width="${size - 2 * padding}" height="${size - 2 * padding}" `)}</div></body></html>`,
  );
  const png = await page.screenshot({ omitBackground: !tile, clip: { x: 0, y: 0, width: size, height: size } });
  rendered.set(name, png);
  if (name.startsWith('favicon-')) continue;
  writeFileSync(`${directory}/${name}`, png);
}
await browser.close();

// favicon.ico holding PNG images (allowed since Windows Vista; every current browser reads it):
// ICONDIR (6 bytes) + one ICONDIRENTRY (16 bytes) per image + the PNG bytes.
const images = [rendered.get('favicon-16.png')!, rendered.get('favicon-32.png')!];
const header = Buffer.alloc(6 + 16 * images.length);
header.writeUInt16LE(0, 0);
header.writeUInt16LE(1, 2);
header.writeUInt16LE(images.length, 4);
let offset = header.length;
images.forEach((png, index) => {
  const size = png.readUInt32BE(16); // the PNG IHDR width
  const entry = 6 + 16 * index;
  header.writeUInt8(size, entry);
  header.writeUInt8(size, entry + 1);
  header.writeUInt16LE(1, entry + 4);
  header.writeUInt16LE(32, entry + 6);
  header.writeUInt32LE(png.length, entry + 8);
  header.writeUInt32LE(offset, entry + 12);
  offset += png.length;
});
writeFileSync(`${directory}/favicon.ico`, Buffer.concat([header, ...images]));
console.log(`wrote ${sizes.length - 2} PNG icons and favicon.ico to ${directory}`);
