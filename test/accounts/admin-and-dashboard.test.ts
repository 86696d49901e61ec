import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { PASSWORD, signIn, signUp, WebClient } from '../support/web-client.js';

function firstRunCode(server: TestServer): string {
  const line = server.logs.find((entry) => entry.includes('No accounts yet'));
  assert.ok(line, 'the one-time code is in the log');
  return /one-time code: ([A-Za-z0-9_-]{22})/.exec(line)![1]!;
}

/** Creates a push through the no-JavaScript form; answers its token. */
async function createWithForm(browser: WebClient, fields: Record<string, string>): Promise<string> {
  await browser.get('/');
  const response = await browser.post('/p', { kind: 'text', expire_after_minutes: '60', expire_after_views: '5', ...fields });
  assert.equal(response.status, 303, browser.lastBody.slice(0, 200));
  return /\/p\/([^/]+)\/preview/.exec(response.headers.get('location')!)![1]!;
}

describeEachDatabase('first run, admin pages and the dashboard', (fixture) => {
  let server: TestServer;
  let adminClient: WebClient;
  before(async () => {
    server = await startTestServer(fixture.database, { firstRun: 'pending' });
    adminClient = new WebClient(server);
  });
  after(() => server?.stop());

  it('keeps sign-up closed until the first run, pointing to the first-run page', async () => {
    const visitor = new WebClient(server);
    const page = await visitor.get('/account/sign-up');
    assert.equal(page.status, 403);
    assert.match(visitor.lastBody, /not set up yet/);
    assert.match(visitor.lastBody, /href="\/setup"/);
    assert.ok(!visitor.lastBody.includes('name="password"'), 'no sign-up form');
    const posted = await visitor.post('/account/sign-up', { email: 'early-bird@example.com', password: PASSWORD });
    assert.equal(posted.status, 403);
    assert.equal(posted.headers.getSetCookie().filter((cookie) => cookie.startsWith('passdrop_session')).length, 0);
    assert.equal((await visitor.get('/setup')).status, 200, 'the first-run page still works');
    // The sign-in page does not offer a sign-up that would be refused: it says sign-up opens after setup.
    await visitor.get('/account/sign-in');
    assert.ok(!visitor.lastBody.includes('href="/account/sign-up"'), 'no link to the closed sign-up');
    assert.doesNotMatch(visitor.lastBody, /No account yet\?/);
    assert.match(visitor.lastBody, /Sign-up opens once the operator has set up this server\. <a href="\/setup">/);
  });

  it('makes the first admin on the first-run page with the code from the log, then closes the page', async () => {
    const code = firstRunCode(server);
    assert.equal((await adminClient.get('/setup')).status, 200);
    const wrong = await adminClient.post('/setup', { code: 'A'.repeat(22), email: 'root@example.com', password: PASSWORD });
    assert.equal(wrong.status, 401);
    // Copied off the JSON log line, the code often brings its closing quote and brace along.
    const made = await adminClient.post('/setup', { code: ` ${code}"}`, email: 'root@example.com', password: PASSWORD });
    assert.equal(made.status, 303);
    assert.equal(made.headers.get('location'), '/admin');
    assert.equal((await adminClient.get('/admin')).status, 200);
    assert.equal((await new WebClient(server).get('/setup')).status, 404, 'closed once there is an account');
    assert.equal((await new WebClient(server).post('/setup', { code, email: 'second@example.com', password: PASSWORD })).status, 404);
    assert.equal((await new WebClient(server).get('/account/sign-up')).status, 200, 'sign-up opens once the admin exists');
    const signIn = new WebClient(server);
    await signIn.get('/account/sign-in');
    assert.match(signIn.lastBody, /No account yet\? <a href="\/account\/sign-up">/, 'and the sign-in page offers it');
  });

  it('lists active and expired pushes, filters by kind, searches by name and pages through them', async () => {
    const owner = new WebClient(server);
    await signUp(owner, 'owner@example.com');
    for (let index = 0; index < 26; index += 1) await createWithForm(owner, { payload: `secret ${index}`, name: `batch ${index}` });
    await createWithForm(owner, { kind: 'url', payload: 'https://example.com/', name: 'the wiki link' });
    const expiring = await createWithForm(owner, { payload: 'gone soon', name: 'expire me', expire_after_views: '1' });

    await owner.get('/dashboard');
    assert.match(owner.lastBody, /28 pushes\./);
    assert.equal([...owner.lastBody.matchAll(/href="\/dashboard\/pushes\//g)].length, 25, '25 a page');
    assert.match(owner.lastBody, /rel="next"/);
    await owner.get('/dashboard?status=active&page=2');
    assert.equal([...owner.lastBody.matchAll(/href="\/dashboard\/pushes\//g)].length, 3);
    await owner.get('/dashboard?status=active&kind=url');
    assert.match(owner.lastBody, /1 push\./);
    assert.match(owner.lastBody, /the wiki link/);
    await owner.get('/dashboard?status=active&q=EXPIRE');
    assert.match(owner.lastBody, /1 push\./);
    await owner.get('/dashboard?status=active&q=100%25');
    assert.match(owner.lastBody, /0 pushes\./, 'LIKE wildcards in the search are taken literally');

    await owner.get(`/dashboard/pushes/${expiring}`);
    await owner.post(`/dashboard/pushes/${expiring}/expire`, {});
    await owner.get('/dashboard?status=expired');
    assert.match(owner.lastBody, /1 push\./);
    assert.match(owner.lastBody, /expired by its owner/);
  });

  it("shows a push's settings and audit log, edits it while active, and hides it from everyone else", async () => {
    const owner = new WebClient(server);
    await signIn(owner, 'owner@example.com');
    const token = await createWithForm(owner, { payload: 'edit me', name: 'editable', note: 'first note', passphrase: 'old passphrase' });
    const visitor = await fetch(`${server.url}/p/${token}`, { headers: { 'user-agent': 'AuditBot/1.0' } });
    assert.equal(visitor.status, 200);

    await owner.get(`/dashboard/pushes/${token}`);
    assert.match(owner.lastBody, /first note/);
    assert.match(owner.lastBody, /Page opened/);
    assert.match(owner.lastBody, /AuditBot\/1\.0/);

    const wrong = await owner.post(`/dashboard/pushes/${token}`, { views_remaining: '2', name: 'renamed', note: 'second note', current_passphrase: 'not it', new_passphrase: 'new passphrase' });
    assert.equal(wrong.status, 422, 'changing the passphrase needs the current one');
    assert.match(owner.lastBody, /This is not the passphrase this push has now/);
    await owner.get(`/dashboard/pushes/${token}?locale=de`);
    await owner.post(`/dashboard/pushes/${token}`, { views_remaining: '0' });
    assert.match(owner.lastBody, /ganze Zahl zwischen 1 und \d+/, 'in the reader\'s language');
    await owner.get(`/dashboard/pushes/${token}?locale=en`);
    const saved = await owner.post(`/dashboard/pushes/${token}`, { views_remaining: '2', expire_in_minutes: '30', name: 'renamed', note: 'second note', current_passphrase: 'old passphrase', new_passphrase: 'new passphrase' });
    assert.equal(saved.status, 303);
    await owner.get(`/dashboard/pushes/${token}`);
    assert.match(owner.lastBody, /renamed/);
    assert.match(owner.lastBody, /second note/);
    assert.match(owner.lastBody, /2 of 2/, "opening the page used no view");
    assert.match(owner.lastBody, /Settings changed/);

    const oldPassphrase = await server.fetch(`/api/passdrop/v1/pushes/${token}/reveal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ passphrase: 'old passphrase' }) });
    assert.equal(oldPassphrase.status, 401);
    const newPassphrase = await server.fetch(`/api/passdrop/v1/pushes/${token}/reveal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ passphrase: 'new passphrase' }) });
    assert.equal(newPassphrase.status, 200);
    assert.equal(((await newPassphrase.json()) as { payload: string }).payload, 'edit me');

    const stranger = new WebClient(server);
    await signUp(stranger, 'stranger@example.com');
    assert.equal((await stranger.get(`/dashboard/pushes/${token}`)).status, 404);
    assert.equal((await stranger.post(`/dashboard/pushes/${token}/expire`, {})).status, 404);

    await owner.get(`/dashboard/pushes/${token}`);
    await owner.post(`/dashboard/pushes/${token}/expire`, {});
    const edited = await owner.post(`/dashboard/pushes/${token}`, { name: 'too late' });
    assert.equal(edited.status, 409, 'an expired push cannot be edited');
  });

  it('lets admins promote, demote, disable and delete accounts, and shows an audit of push metadata only', async () => {
    const plain = new WebClient(server);
    const signedIn = await signIn(plain, 'stranger@example.com');
    assert.equal(signedIn.status, 303, plain.lastBody.replace(/[\s\S]*<main[^>]*>/, '').slice(0, 300));
    assert.equal((await plain.get('/admin')).status, 403, 'not for ordinary accounts');
    assert.equal((await plain.get('/admin/audit')).status, 403);

    await adminClient.get('/admin');
    assert.match(adminClient.lastBody, /owner@example\.com/);
    const strangerId = new RegExp(`stranger@example\\.com[\\s\\S]*?/admin/users/(\\d+)/promote`).exec(adminClient.lastBody)![1]!;
    assert.equal((await adminClient.post(`/admin/users/${strangerId}/promote`, {})).status, 303);
    assert.equal((await plain.get('/admin')).status, 200, 'promoted');
    await adminClient.get('/admin');
    await adminClient.post(`/admin/users/${strangerId}/demote`, {});
    assert.equal((await plain.get('/admin')).status, 403, 'demoted');
    await adminClient.get('/admin');
    await adminClient.post(`/admin/users/${strangerId}/disable`, {});
    assert.equal((await plain.get('/dashboard')).status, 303, 'a disabled account is signed out');
    assert.equal((await signIn(new WebClient(server), 'stranger@example.com')).status, 403);
    await adminClient.get('/admin');
    const ownRow = /<tr>\s*<td>root@example\.com[\s\S]*?<\/tr>/.exec(adminClient.lastBody)?.[0];
    assert.ok(ownRow);
    assert.doesNotMatch(ownRow, /\/admin\/users\//, 'no actions on oneself, so an admin always remains');

    await adminClient.get('/admin/audit');
    assert.match(adminClient.lastBody, /Settings changed/);
    assert.match(adminClient.lastBody, /owner@example\.com/);
    assert.doesNotMatch(adminClient.lastBody, /edit me|second note|secret 1/, 'never a payload or a note');
    assert.doesNotMatch(adminClient.lastBody, /\/p\/[A-Za-z0-9_-]{22}/, 'never a link');

    await adminClient.get('/admin');
    await adminClient.post(`/admin/users/${strangerId}/delete`, {});
    await adminClient.get('/admin');
    assert.doesNotMatch(adminClient.lastBody, /stranger@example\.com/);
  });
});
