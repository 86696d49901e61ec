import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('replaces query values except harmless ones', () => {
    assert.equal(redactUrl('/p/abc.json?passphrase=hunter2&page=2'), '/p/abc.json?passphrase=[redacted]&page=2');
    assert.equal(redactUrl('/x?token=s3cret&locale=de'), '/x?token=[redacted]&locale=de');
  });

  it('shortens link tokens in the path', () => {
    assert.equal(redactUrl('/p/AbCdEfGhIjKlMnOpQrStUvWx.json'), '/p/AbCd….json');
    assert.equal(redactUrl('/api/v2/pushes/AbCdEfGhIjKlMnOpQrStUvWx/preview'), '/api/v2/pushes/AbCd…/preview');
  });

  it('leaves ordinary paths alone', () => {
    assert.equal(redactUrl('/api/v2/version'), '/api/v2/version');
    assert.equal(redactUrl('/up'), '/up');
  });
});
