import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { databaseBytes } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { accountToken, bearer, createRequest, readAnswer } from '../support/request-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { signUp, WebClient } from '../support/web-client.js';

describeEachDatabase('request pages', (fixture) => {
  let server: TestServer;
  let owner: WebClient;
  let token: string;
  before(async () => {
    server = await startTestServer(fixture.database, { env: { PASSDROP_REQUEST_ANSWER_MAX_CHARACTERS: '100' } });
    owner = new WebClient(server);
    await signUp(owner, 'pages-owner@example.com');
    // The same account's API token, to make requests with a key made here (the page makes them in a browser).
    await owner.get('/account/tokens');
    const made = await owner.request('/api/passdrop/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': owner.csrfToken! },
      body: JSON.stringify({ name: 'pages' }),
    });
    token = (await json<{ token: string }>(made)).token;
  });
  after(() => server.stop());

  it('lists requests on the dashboard and offers the form, which needs JavaScript', async () => {
    const { request } = await createRequest(server, token, { name: 'listed request' });
    assert.equal((await owner.get('/dashboard/requests')).status, 200);
    assert.match(owner.lastBody, /listed request/);
    assert.match(owner.lastBody, new RegExp(`href="/dashboard/requests/${request.token}"`));
    assert.match(owner.lastBody, /href="\/dashboard\/requests\/new"/);
    assert.match(owner.lastBody, /<a href="\/dashboard\/requests" aria-current="page">.*?<span>Requests<\/span><\/a>/, 'the navigation links to requests, marked current');
    assert.doesNotMatch(owner.lastBody, /<a href="\/dashboard" aria-current="page">/, 'one navigation item is current, not its parent too');
    assert.equal((await owner.get('/dashboard/requests/new')).status, 200);
    assert.match(owner.lastBody, /Making a request needs JavaScript/);
    assert.match(owner.lastBody, /nobody can ever read the answers/, 'the page says what is lost with the key');
    assert.equal((await new WebClient(server).get('/dashboard/requests')).status, 303, 'signed out: to the sign-in page');
  });

  it('shows the responder who asks and the instructions, and never the account; HEAD records nothing', async () => {
    const { request } = await createRequest(server, token, { requester_name: 'Ops <team>', instructions: 'The staging\ndatabase password' });
    const responder = new WebClient(server);
    const head = await fetch(`${server.url}/req/${request.token}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const page = await responder.get(`/req/${request.token}`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(responder.lastBody, /Ops &lt;team&gt; asks you for a secret/);
    assert.match(responder.lastBody, /The staging\ndatabase password/);
    assert.match(responder.lastBody, /Without JavaScript, your answer goes to the server/);
    assert.ok(!responder.lastBody.includes('pages-owner@example.com'));
    assert.ok(!responder.lastBody.includes('csrf-token'), 'a visitor has no session');
    const audit = await json<Array<{ kind: string }>>(await server.fetch(`/api/passdrop/v1/requests/${request.token}/audit`, { headers: bearer(token) }));
    assert.deepEqual(audit.map((event) => event.kind), ['created', 'opened'], 'one opening: the HEAD left no event');
    assert.equal((await responder.get('/req/AAAAAAAAAAAAAAAAAAAAAA')).status, 404);
    assert.match(responder.lastBody, /There is no such request/);
  });

  it('takes an answer without JavaScript: the server seals it to the key, says so to both sides, and keeps no plaintext', async () => {
    const { request, keys } = await createRequest(server, token, { passphrase: 'by phone', answers_allowed: 2 });
    const secret = `typed-${randomBytes(8).toString('hex')}`;
    const responder = new WebClient(server);
    await responder.get(`/req/${request.token}`);
    const missing = await responder.post(`/req/${request.token}`, { text: secret });
    assert.equal(missing.status, 401);
    assert.match(responder.lastBody, /Please type the passphrase/);
    const wrong = await responder.post(`/req/${request.token}`, { text: secret, passphrase: 'by mail' });
    assert.equal(wrong.status, 401);
    assert.match(responder.lastBody, /That passphrase is incorrect/);
    const tooLong = await responder.post(`/req/${request.token}`, { text: 'x'.repeat(101), passphrase: 'by phone' });
    assert.equal(tooLong.status, 422);
    assert.match(responder.lastBody, /longer than the 100 characters allowed/);
    const sent = await responder.post(`/req/${request.token}`, { text: secret, passphrase: 'by phone' });
    assert.equal(sent.status, 200);
    assert.match(responder.lastBody, /The server encrypted your answer to the key of the person who asked/);

    await owner.get(`/dashboard/requests/${request.token}`);
    assert.match(owner.lastBody, /the server \(the responder had no JavaScript\)/);
    const answers = await json<Array<{ answer_id: string; encryption: string }>>(await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers`, { headers: bearer(token) }));
    assert.deepEqual(answers.map((each) => each.encryption), ['server']);
    assert.equal((await readAnswer(server, token, request, keys, answers[0]!.answer_id)).text, secret);
    assert.equal((await databaseBytes(fixture.database)).indexOf(secret), -1, 'the plaintext is not on disk');
    assert.ok(!server.logs.join('').includes(secret), 'nor in the logs');
    assert.ok(!server.logs.join('').includes('by phone'), 'nor the passphrase');
  });

  it("closes a request, deletes an answer, shows the audit log, and hides everyone else's requests", async () => {
    const { request } = await createRequest(server, token, { name: 'to close', answers_allowed: 3 });
    const responder = new WebClient(server);
    await responder.get(`/req/${request.token}`);
    assert.equal((await responder.post(`/req/${request.token}`, { text: 'first' })).status, 200);
    const [first] = await json<Array<{ answer_id: string }>>(await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers`, { headers: bearer(token) }));
    await owner.get(`/dashboard/requests/${request.token}`);
    assert.match(owner.lastBody, /Close the request/);
    assert.match(owner.lastBody, /Link opened/);
    assert.match(owner.lastBody, new RegExp(`data-open-answer="${first!.answer_id}"`));
    const deleted = await owner.post(`/dashboard/requests/${request.token}/answers/${first!.answer_id}/delete`, {});
    assert.equal(deleted.status, 303);
    await owner.get(deleted.headers.get('location')!);
    assert.match(owner.lastBody, /The answer is deleted/);
    assert.match(owner.lastBody, /deleted by you/);
    const closed = await owner.post(`/dashboard/requests/${request.token}/close`, {});
    assert.equal(closed.status, 303);
    await owner.get(closed.headers.get('location')!);
    assert.match(owner.lastBody, /The request is closed/);
    assert.match(owner.lastBody, /closed by you/);
    const late = await responder.get(`/req/${request.token}`);
    assert.equal(late.status, 410);
    assert.match(responder.lastBody, /This request takes no more answers/);
    assert.equal((await responder.post(`/req/${request.token}`, { text: 'too late' })).status, 410);
    await owner.get('/dashboard/requests?status=closed');
    assert.match(owner.lastBody, /to close/);

    const stranger = new WebClient(server);
    await signUp(stranger, 'pages-stranger@example.com');
    assert.equal((await stranger.get(`/dashboard/requests/${request.token}`)).status, 404);
    assert.equal((await stranger.post(`/dashboard/requests/${request.token}/close`, {})).status, 404);
    const strangerToken = await accountToken(server, 'pages-stranger-api@example.com');
    assert.equal((await server.fetch(`/api/passdrop/v1/requests/${request.token}`, { headers: bearer(strangerToken) })).status, 404);
  });
});
