import { parseRequestReference } from '../request-address.js';
import { connectRequester, type RequesterOptions } from '../request-connection.js';
import { notice } from '../server-selection.js';

export interface RequestCloseOptions extends RequesterOptions {
  readonly json?: boolean;
}

/** `passdrop request close ID`: the request takes no more answers; answers already in stay readable. */
export async function requestCloseCommand(reference: string, options: RequestCloseOptions): Promise<void> {
  const { server, token } = parseRequestReference(reference);
  const { api } = await connectRequester(options, server);
  const closed = await api.close(token);
  if (options.json) process.stdout.write(`${JSON.stringify(closed, null, 2)}\n`);
  notice(`Closed ${token}: it takes no more answers. The ${closed.answers_received} answer${closed.answers_received === 1 ? '' : 's'} already in stay until they expire.`);
}
