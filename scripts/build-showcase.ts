// Builds the design system's showcase (docs/ui.md): one static page showing every component, in the real
// stylesheet and icon sprite, written to build/showcase/index.html. Run after `node scripts/build-browser.mjs`:
//   npm run --silent showcase
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { html } from '../src/web/html.js';
import { ICON_NAMES } from '../src/web/icon-names.js';
import { brandMark, icon } from '../src/web/icons.js';

const out = 'build/showcase';
mkdirSync(out, { recursive: true });
for (const name of ['passdrop.css', 'icons.svg', 'common.js', 'favicon.svg']) copyFileSync(`build/web-assets/${name}`, `${out}/${name}`);
const sprite = 'icons.svg';
const TOKENS = ['--bg', '--surface', '--surface-2', '--fg', '--muted', '--border', '--border-subtle', '--accent', '--accent-soft', '--danger', '--success', '--warning', '--focus'];

const body = html`<h1>Passdrop design system</h1>
<p class="lead">Every component of <code>passdrop.css</code>. Toggle the theme in the footer; see docs/ui.md.</p>
<section class="card"><div class="card-header"><h2>Colour tokens</h2></div>
<ul class="swatches">${TOKENS.map((token) => html`<li class="swatch"><span data-swatch="${token}"></span><code>${token}</code></li>`)}</ul>
<p class="hint">Swatches are coloured by the page's script (no inline styles under the CSP).</p></section>
<section class="card"><h2>Type scale</h2><h1>Heading 1</h1><h2>Heading 2</h2><h3>Heading 3</h3><p>Body text with <a href="#">a link</a> and <code>code</code>.</p><p class="hint">A hint in muted text.</p></section>
<section class="card"><h2>Buttons</h2><div class="actions">
<button type="button" class="primary">${icon(sprite, 'send')}<span>Primary</span></button>
<button type="button" class="secondary">Secondary</button>
<button type="button" class="danger">${icon(sprite, 'trash-2')}<span>Danger</span></button>
<button type="button" class="quiet">Quiet</button>
<button type="button" class="primary" disabled>Disabled</button>
<button type="button" class="secondary small">Small</button>
<a class="button secondary" href="#">Link as button</a></div></section>
<section class="card"><h2>Fields</h2>
<div class="field"><label for="demo-email">Email</label><input id="demo-email" type="email" value="ada@example.com" aria-describedby="demo-email-hint"><p class="hint" id="demo-email-hint">We send a confirmation link.</p></div>
<div class="field"><label for="demo-views">Views</label><input id="demo-views" type="number" value="0" aria-invalid="true" aria-describedby="demo-views-error"><p class="field-error" id="demo-views-error">Between 1 and 100 views.</p></div>
<div class="field"><label for="demo-select">Expires after</label><select id="demo-select"><option>1 day</option></select></div>
<div class="field"><label for="demo-text">Secret</label><textarea id="demo-text" rows="3">hunter2</textarea></div>
<div class="check"><input type="checkbox" id="demo-check" checked><label for="demo-check">Ask the recipient to click before revealing</label><p class="hint">Stops link previewers from using a view.</p></div>
<fieldset class="presets"><legend>Expiry</legend>
<div class="preset"><input type="radio" name="demo-preset" id="demo-p1" checked><label for="demo-p1">${icon(sprite, 'clock')}1 view · 1 hour</label></div>
<div class="preset"><input type="radio" name="demo-preset" id="demo-p2"><label for="demo-p2">${icon(sprite, 'clock')}1 view · 1 day</label></div>
<div class="preset"><input type="radio" name="demo-preset" id="demo-p3"><label for="demo-p3">Custom</label></div></fieldset>
<details class="advanced"><summary>More options</summary><p>Folded content.</p></details></section>
<section class="card"><h2>Badges</h2><div class="actions">
<span class="badge badge-active">${icon(sprite, 'circle-check')}Active</span><span class="badge badge-expired">${icon(sprite, 'hourglass')}Expired</span>
<span class="badge badge-locked">${icon(sprite, 'lock')}Locked</span><span class="badge badge-e2e">${icon(sprite, 'shield-check')}End to end</span></div></section>
<section class="card"><h2>Alerts and toast</h2>
<div class="alert" role="alert"><p>Please fix the fields marked below.</p></div>
<div class="alert info"><p>Information.</p></div><div class="alert success"><p>Saved.</p></div><div class="alert warning"><p>Careful.</p></div>
<div class="copy-row"><input id="demo-link" type="text" readonly value="https://secrets.example.com/p/abc"><button type="button" class="primary" data-copy="demo-link">${icon(sprite, 'copy')}<span>Copy</span></button></div></section>
<section class="card"><h2>Recipient trust list</h2><div class="sender">${brandMark()}<div><strong>Passdrop</strong>secrets.example.com</div></div>
<ul class="trust"><li>${icon(sprite, 'eye')}<div><strong>Revealing uses one view</strong>The secret appears on this page.</div></li>
<li>${icon(sprite, 'shield-check')}<div><strong>Encrypted end to end</strong>Decrypted in your browser.</div></li></ul>
<div class="secret"><pre class="secret-text ltr-box">correct horse battery staple</pre></div></section>
<section class="card"><h2>List (cards under 40rem)</h2><div class="table-wrap stack-on-phone"><table class="list"><thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Expires</th></tr></thead>
<tbody><tr><td data-label="Name"><a href="#">Wi-Fi password</a></td><td data-label="Status"><span class="badge badge-active">Active</span></td><td data-label="Expires"><time datetime="2030-01-01T00:00:00Z" data-relative>1 Jan 2030</time></td></tr></tbody></table></div>
<div class="empty">${icon(sprite, 'inbox')}<strong>Nothing here yet</strong><p>Secrets you create appear here.</p><a class="button primary" href="#">Create a secret</a></div></section>
<section class="card"><h2>Facts</h2><dl class="facts"><dt>Expires</dt><dd>in 6 days</dd><dt>Views</dt><dd>1</dd></dl></section>
<section class="card"><h2>Icons</h2><div class="actions">${ICON_NAMES.map((name) => html`<span class="badge">${icon(sprite, name)}${name}</span>`)}</div></section>`;

writeFileSync(
  `${out}/index.html`,
  `<!doctype html><html lang="en" dir="ltr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Design system · Passdrop</title><link rel="icon" href="favicon.svg"><link rel="stylesheet" href="passdrop.css"><script type="module" src="common.js"></script><script type="module" src="showcase.js"></script></head>
<body class="app width-page" data-strings='{"copied":"Copied"}'><header class="site-header"><div class="site-header-inner"><a class="brand" href="#">${brandMark().value}<span>Passdrop</span></a><p class="tagline">Design system</p></div></header>
<main id="main">${body.value}</main><footer class="site-footer"><div class="site-footer-inner"><span>docs/ui.md</span><div class="footer-tools"><button type="button" class="secondary small theme-toggle" data-theme-toggle hidden aria-pressed="false">Dark mode</button></div></div></footer>
<div class="toast-region" aria-live="polite" data-toast-region></div></body></html>\n`,
);
writeFileSync(
  `${out}/showcase.js`,
  "for (const s of document.querySelectorAll('[data-swatch]')) s.style.background = `var(${s.dataset.swatch})`;\n",
);
console.log(`wrote ${out}/index.html`);
