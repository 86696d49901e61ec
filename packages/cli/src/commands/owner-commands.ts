import { connectForPush, connectNamedServer, notice, type ServerOptions } from '../server-selection.js';

export interface OutputOptions extends ServerOptions {
  readonly json?: boolean;
}

/** Lays rows out in columns separated by two spaces (the last column is not padded). */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}

/** `passdrop list [--expired]`: your active (or expired) pushes, newest first. Needs a token. */
export async function listCommand(options: OutputOptions & { readonly expired?: boolean }): Promise<void> {
  const server = await connectNamedServer(options);
  const pushes = await server.list(options.expired === true);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(pushes, null, 2)}\n`);
    return;
  }
  if (pushes.length === 0) {
    notice(options.expired ? 'You have no expired pushes.' : 'You have no active pushes.');
    return;
  }
  const rows = [['TOKEN', 'CREATED', options.expired ? 'EXPIRED' : 'VIEWS LEFT', options.expired ? 'VIEWS' : 'DAYS LEFT', 'NAME']];
  for (const push of pushes) {
    rows.push([
      push.token,
      push.createdAt.slice(0, 16).replace('T', ' '),
      options.expired ? (push.expiredOn ?? '').slice(0, 16).replace('T', ' ') : String(push.viewsRemaining),
      options.expired ? String(push.expireAfterViews) : String(push.daysRemaining),
      push.name,
    ]);
  }
  process.stdout.write(`${table(rows)}\n`);
}

/** `passdrop audit LINK|TOKEN`: a push's audit log, oldest first. Needs the owner's token. */
export async function auditCommand(linkOrToken: string, options: OutputOptions): Promise<void> {
  const { server, link } = await connectForPush(linkOrToken, options);
  const events = await server.audit(link.token);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
    return;
  }
  const rows = [['TIME', 'EVENT', 'IP', 'USER AGENT']];
  for (const event of events) rows.push([event.createdAt.slice(0, 19).replace('T', ' '), event.kind, event.ip || '-', event.userAgent || '-']);
  process.stdout.write(`${table(rows)}\n`);
}

/** `passdrop expire LINK|TOKEN`: deletes the secret now (the owner, or a recipient when the sender allowed it). */
export async function expireCommand(linkOrToken: string, options: OutputOptions): Promise<void> {
  const { server, link } = await connectForPush(linkOrToken, options);
  const answer = await server.expire(link.token);
  if (options.json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  notice(`Expired ${link.token}: its secret is deleted.`);
}
