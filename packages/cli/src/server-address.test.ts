import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeServerUrl, parseSecretLink } from './server-address.js';

const KEY = 'g1-LtmlH_cq4AZIPtKVHJVlproLnyeuQAuk2El7UH60';

describe('server URLs and secret links', () => {
  it('normalises a server URL to scheme, host, port and path prefix', () => {
    assert.equal(normalizeServerUrl('https://Secrets.Example.com/'), 'https://secrets.example.com');
    assert.equal(normalizeServerUrl('secrets.example.com'), 'https://secrets.example.com');
    assert.equal(normalizeServerUrl('http://127.0.0.1:5100/passdrop//?x=1#y'), 'http://127.0.0.1:5100/passdrop');
    assert.throws(() => normalizeServerUrl('ftp://example.com'), /https:\/\/ or http:\/\//);
    assert.throws(() => normalizeServerUrl('https://user:pw@example.com'), /no user name or password/);
  });

  it('takes apart Passdrop and Password Pusher links, with and without the key', () => {
    assert.deepEqual(parseSecretLink(`https://s.example/p/AbC_-12345678901234567/r#${KEY}`), { server: 'https://s.example', token: 'AbC_-12345678901234567', linkSecret: KEY });
    assert.deepEqual(parseSecretLink(`https://s.example/p/AbC_-12345678901234567/preview#${KEY}`)?.token, 'AbC_-12345678901234567');
    assert.deepEqual(parseSecretLink('https://s.example/prefix/p/fkwjfvhall92'), { server: 'https://s.example/prefix', token: 'fkwjfvhall92', linkSecret: undefined });
    assert.equal(parseSecretLink('https://s.example/r/fkwjfvhall92.json')?.token, 'fkwjfvhall92');
    for (const text of ['fkwjfvhall92', 'https://s.example/dashboard', 'https://s.example/p/', 'javascript:alert(1)']) {
      assert.equal(parseSecretLink(text), undefined, text);
    }
  });
});
