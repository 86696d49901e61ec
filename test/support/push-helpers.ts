import assert from 'node:assert/strict';
import type { TestServer } from './test-server.js';

export interface CreatedPush {
  readonly token: string;
  readonly url: string;
  readonly views_remaining: number;
  readonly [key: string]: unknown;
}

/** Creates a push through Passdrop's own API and returns its JSON view. */
export async function createPush(server: Pick<TestServer, 'fetch'>, body: Record<string, unknown>): Promise<CreatedPush> {
  const response = await server.fetch('/api/passdrop/v1/pushes', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ retrieval_step: false, ...body }),
  });
  const json = (await response.json()) as CreatedPush;
  assert.equal(response.status, 201, JSON.stringify(json));
  return json;
}

/** Creates a push through Password Pusher's v1 API with a form body, as its clients do. */
export async function createPasswordPusherPush(server: Pick<TestServer, 'fetch'>, fields: Record<string, string>): Promise<Record<string, unknown>> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) form.set(`password[${name}]`, value);
  const response = await server.fetch('/p.json', { method: 'POST', body: form });
  const json = (await response.json()) as Record<string, unknown>;
  assert.equal(response.status, 201, JSON.stringify(json));
  return json;
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

export async function pushStatus(server: Pick<TestServer, 'fetch'>, token: string): Promise<Record<string, unknown>> {
  return json(await server.fetch(`/api/passdrop/v1/pushes/${token}`));
}
