import { connectRequester, type RequesterOptions } from '../request-connection.js';
import { requesterKeyFilePath, storedRequesterKeys } from '../requester-key-store.js';
import { notice } from '../server-selection.js';
import { tableTime, textTable } from '../text-table.js';

export interface RequestListOptions extends RequesterOptions {
  readonly closed?: boolean;
  readonly json?: boolean;
}

/**
 * `passdrop request list [--closed]`: your open (or closed) requests, newest first, with how many
 * answers came in and whether this machine holds the requester key to read them.
 */
export async function requestListCommand(options: RequestListOptions): Promise<void> {
  const { api, base } = await connectRequester(options);
  const requests = await api.list(options.closed === true);
  const keys = new Set(storedRequesterKeys(requesterKeyFilePath(process.env), base).map((key) => key.token));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(requests.map((request) => ({ ...request, requester_key_here: keys.has(request.token) })), null, 2)}\n`);
    return;
  }
  if (requests.length === 0) {
    notice(options.closed ? 'You have no closed requests.' : 'You have no open requests.');
    return;
  }
  const rows = [['TOKEN', 'CREATED', 'ANSWERS', options.closed ? 'CLOSED' : 'OPEN UNTIL', 'KEY HERE', 'NAME']];
  for (const request of requests) {
    rows.push([
      request.token,
      tableTime(request.created_at),
      `${request.answers_received}/${request.answers_allowed}`,
      options.closed ? `${tableTime(request.closed_at)} (${request.close_reason ?? '-'})` : tableTime(request.expires_at),
      keys.has(request.token) ? 'yes' : 'no',
      request.name,
    ]);
  }
  process.stdout.write(`${textTable(rows)}\n`);
}
