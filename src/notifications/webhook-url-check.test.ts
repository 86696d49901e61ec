import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkWebhookUrl, type ResolveHost } from './webhook-url-check.js';

const resolver = (answers: Record<string, readonly string[]>): ResolveHost => async (hostname) => {
  const found = answers[hostname];
  if (!found) throw Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' });
  return found;
};
const codes = async (url: string, resolve: ResolveHost, allowPrivateAddresses = false) =>
  (await checkWebhookUrl(url, { allowPrivateAddresses, resolve })).map((problem) => problem.code);

it('refuses a name that resolves to any non-public address, even beside a public one', async () => {
  const resolve = resolver({ 'hooks.example.com': ['93.184.215.14'], 'sneaky.example.com': ['93.184.215.14', '10.0.0.5'], 'meta.example.com': ['fd00::1'] });
  assert.deepEqual(await codes('https://hooks.example.com/in', resolve), []);
  assert.deepEqual(await codes('https://sneaky.example.com/in', resolve), ['non_public_address']);
  assert.deepEqual(await codes('https://meta.example.com/in', resolve), ['non_public_address']);
  assert.deepEqual(await codes('https://nowhere.example.com/in', resolve), ['unresolvable_host']);
});

it('lets the operator allow private addresses, and checks the URL itself either way', async () => {
  const resolve = resolver({ 'intranet.local': ['192.168.1.20'] });
  assert.deepEqual(await codes('http://intranet.local/hook', resolve, true), []);
  assert.deepEqual(await codes('ftp://intranet.local/hook', resolve, true), ['invalid_url']);
  assert.deepEqual(await codes('https://u:p@intranet.local/hook', resolve, true), ['credentials_in_url']);
  assert.deepEqual(await codes('', resolve, true), ['required']);
  assert.deepEqual(await codes(`https://x.example/${'a'.repeat(2000)}`, resolve, true), ['too_long']);
});
