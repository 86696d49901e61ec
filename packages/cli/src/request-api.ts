import type { FromSchema } from 'json-schema-to-ts';
import type { AnswerViewJson, requestApiSchemas, RequestViewJson } from '../../../src/surfaces/passdrop-api/request-api-schemas.js';
import { requestJson } from './http-client.js';
import { passdropFailure } from './passdrop-server.js';

export type { AnswerViewJson, RequestViewJson };
/** What a responder's side gets from `GET …/requests/TOKEN/form`. */
export type ResponderFormJson = FromSchema<(typeof requestApiSchemas)['form']['response'][200]>;
/** The body of `POST /requests` (the server's own schema: one source for both sides). */
export type NewRequestJson = FromSchema<(typeof requestApiSchemas)['create']['body'], { keepDefaultedPropertiesOptional: true }>;
/** The body of `POST /requests/TOKEN/answers`. */
export type NewAnswerJson = FromSchema<(typeof requestApiSchemas)['answer']['body'], { keepDefaultedPropertiesOptional: true }>;

const API = '/api/passdrop/v1';

/**
 * The request API of a Passdrop server (`/api/passdrop/v1/requests`, docs/openapi.json). The
 * requester's calls need an API token; the responder's two (`form`, `answer`) need none and are never
 * sent one. Every refusal becomes a CliError with the exit code of its HTTP status or error code.
 */
export function requestApi(base: string, token: string | undefined) {
  const path = (requestToken: string, rest = '') => `${base}${API}/requests/${encodeURIComponent(requestToken)}${rest}`;
  return {
    async create(body: NewRequestJson): Promise<RequestViewJson> {
      const response = await requestJson(`${base}${API}/requests`, { method: 'POST', body, token });
      if (response.status !== 201) throw passdropFailure(response, 'The server refused the request');
      return response.body as RequestViewJson;
    },

    /** Every one of your open (or closed) requests, newest first, all pages. */
    async list(closed: boolean): Promise<RequestViewJson[]> {
      const all: RequestViewJson[] = [];
      for (let page = 1; ; page += 1) {
        const response = await requestJson(`${base}${API}/requests?status=${closed ? 'closed' : 'open'}&page=${page}`, { token });
        if (response.status !== 200) throw passdropFailure(response, 'Listing your requests failed');
        const body = response.body as { requests: RequestViewJson[]; total: number; per_page: number };
        all.push(...body.requests);
        if (body.requests.length < body.per_page || all.length >= body.total) return all;
      }
    },

    async show(requestToken: string): Promise<RequestViewJson> {
      const response = await requestJson(path(requestToken), { token });
      if (response.status !== 200) throw passdropFailure(response, 'Finding the request failed');
      return response.body as RequestViewJson;
    },

    async close(requestToken: string): Promise<RequestViewJson> {
      const response = await requestJson(path(requestToken, '/close'), { method: 'POST', token });
      if (response.status !== 200) throw passdropFailure(response, 'Closing the request failed');
      return response.body as RequestViewJson;
    },

    /** A request's answers (never their contents), all pages. */
    async answers(requestToken: string): Promise<AnswerViewJson[]> {
      const all: AnswerViewJson[] = [];
      for (let page = 1; ; page += 1) {
        const response = await requestJson(path(requestToken, `/answers?page=${page}`), { token });
        if (response.status !== 200) throw passdropFailure(response, 'Listing the answers failed');
        const body = response.body as AnswerViewJson[];
        all.push(...body);
        // The server pages by 50.
        if (body.length < 50) return all;
      }
    },

    /** Fetches a sealed answer: uses one of its views (and opens the download window of its files, if any). */
    async reveal(
      requestToken: string,
      answerId: string,
    ): Promise<{ ciphertext: string; answer: AnswerViewJson; files?: Array<{ position: number; size: number; sealed_metadata: string; url: string }> }> {
      const response = await requestJson(path(requestToken, `/answers/${encodeURIComponent(answerId)}/reveal`), { method: 'POST', token });
      if (response.status !== 200) throw passdropFailure(response, 'Fetching the answer failed');
      return response.body as { ciphertext: string; answer: AnswerViewJson; files?: Array<{ position: number; size: number; sealed_metadata: string; url: string }> };
    },

    /** The headers an answer file's download needs (the requester's token). */
    downloadHeaders: (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {}),

    /** The responder's form: who asks, the instructions, the public key (no token sent). */
    async form(requestToken: string): Promise<ResponderFormJson> {
      const response = await requestJson(path(requestToken, '/form'));
      if (response.status !== 200) throw passdropFailure(response, 'Opening the request failed');
      return response.body as ResponderFormJson;
    },

    /** Posts a sealed answer (no token sent); answers the raw response so the caller can retry a passphrase. */
    sendAnswer: (requestToken: string, body: NewAnswerJson) => requestJson(path(requestToken, '/answers'), { method: 'POST', body }),
  };
}

export type RequestApi = ReturnType<typeof requestApi>;
