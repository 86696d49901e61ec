import { parseRequestReference } from '../request-address.js';
import { connectRequester, type RequesterOptions } from '../request-connection.js';
import { notice } from '../server-selection.js';
import { tableTime, textTable } from '../text-table.js';

export interface RequestAnswersOptions extends RequesterOptions {
  readonly json?: boolean;
}

/** `passdrop request answers ID`: a request's answers (never their contents), oldest first. */
export async function requestAnswersCommand(reference: string, options: RequestAnswersOptions): Promise<void> {
  const { server, token } = parseRequestReference(reference);
  const { api } = await connectRequester(options, server);
  const answers = await api.answers(token);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(answers, null, 2)}\n`);
    return;
  }
  if (answers.length === 0) {
    notice('No answers yet.');
    return;
  }
  const rows = [['ANSWER', 'RECEIVED', 'VIEWS LEFT', 'EXPIRES', 'ENCRYPTED BY', 'STATE']];
  for (const answer of answers) {
    rows.push([
      answer.answer_id,
      tableTime(answer.created_at),
      String(answer.views_remaining),
      tableTime(answer.expires_at),
      answer.encryption === 'client' ? 'responder' : 'server',
      answer.expired ? `expired (${answer.expire_reason ?? '-'})` : 'readable',
    ]);
  }
  process.stdout.write(`${textTable(rows)}\n`);
  notice(`Read one with: passdrop request read ${token}/ANSWER`);
}
