import assert from 'node:assert/strict';
import { it } from 'node:test';
import { html, trusted } from './html.js';

it('html escapes interpolated text but keeps nested html and trusted markup', () => {
  const user = '<script>alert("x")</script>&';
  const inner = html`<b>${user}</b>`;
  const page = html`<p title="${user}">${inner}${trusted('<svg></svg>')}${[1, 2]}${null}${false}</p>`;
  assert.equal(
    page.value,
    '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"><b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;</b><svg></svg>12</p>',
  );
});
