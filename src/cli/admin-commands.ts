import { createAccountService } from '../accounts/account-service.js';
import { passwordProblems } from '../accounts/account-rules.js';
import { createAccountStore } from '../accounts/account-store.js';
import { createSessionStore } from '../accounts/session-store.js';
import { hashPassword } from '../accounts/password-hash.js';
import { loadConfig } from '../config/load-config.js';
import { StartupError } from '../server/start-passdrop.js';
import { migrate } from '../storage/migrator.js';
import { openDatabase } from '../storage/open-database.js';
import { parseCommandArguments, usageError, type ServerCommand } from './server-command.js';

export const ADMIN_USAGE = `Usage:
  passdrop-server admin user add EMAIL [--admin]
                        create an account; the password is read from stdin (first line)
  passdrop-server admin user password EMAIL
                        set a new password (read from stdin), unlock the account and sign it out
                        everywhere
  passdrop-server admin user remove-two-factor EMAIL
                        turn off two-factor (lost phone and backup codes)
  passdrop-server admin token create EMAIL [--name NAME]
                        print a new API token for the account on stdout (shown once)

Options:
  --admin               with "user add": make the account an administrator
  --name NAME           with "token create": a label for the token (default "CLI token")
  -h, --help            show this text

Passwords are read from stdin, never from the command line (where ps and shell history see them):
  echo 'a long passphrase of yours' | passdrop-server admin user add you@example.com --admin
The same DATABASE_URL and master key as the server's are needed.`;

/** `passdrop-server admin …`: accounts and API tokens, for the operator. */
export const adminCommand: ServerCommand = {
  summary: 'manage accounts and API tokens (user add|password|remove-two-factor, token create)',
  help: ADMIN_USAGE,
  async run(args) {
    const parsed = parseCommandArguments(args, { admin: { type: 'boolean' }, name: { type: 'string' } });
    if (parsed === 'help') return (console.log(ADMIN_USAGE), 0);
    if ('error' in parsed) return usageError(parsed.error, ADMIN_USAGE);
    const { values, positionals } = parsed;
    return runAdminCommand(positionals, { admin: values.admin === true, name: typeof values.name === 'string' ? values.name : undefined });
  },
};

/** Reads the first line of stdin: passwords never go on the command line, where `ps` and shell history see them. */
async function readPasswordFromStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/, 1)[0] ?? '';
}

export async function runAdminCommand(words: readonly string[], options: { admin: boolean; name: string | undefined }): Promise<number> {
  const [area, action, email] = words;
  const userActions = ['add', 'password', 'remove-two-factor'];
  if (!email || !((area === 'user' && userActions.includes(action ?? '')) || (area === 'token' && action === 'create'))) {
    console.error(ADMIN_USAGE);
    return 2;
  }
  const loaded = loadConfig(process.env);
  if (!loaded.ok) throw new StartupError(loaded.problems);
  const database = openDatabase(loaded.config.database);
  try {
    await migrate(database);
    const store = createAccountStore(database);
    const accounts = createAccountService({ store, clock: Date.now });
    if (area === 'user' && action !== 'add') {
      const user = await store.findUserByEmail(email);
      if (!user) {
        console.error(`There is no account for ${email}.`);
        return 1;
      }
      if (action === 'remove-two-factor') {
        await store.setTotp(user.id, null, [], Date.now());
        console.error(`Two-factor authentication is off for ${user.email}; they can set it up again.`);
        return 0;
      }
      const password = await readPasswordFromStdin();
      const problems = passwordProblems(password);
      if (problems.length > 0) {
        console.error(problems.map((problem) => `${problem.field} ${problem.message}`).join('\n'));
        return 1;
      }
      await store.setPasswordRecord(user.id, await hashPassword(password), Date.now());
      const ended = await createSessionStore(database).deleteForUser(user.id);
      console.error(`New password set for ${user.email}; ${ended} session(s) ended.`);
      return 0;
    }
    if (area === 'user') {
      const result = await accounts.addUser(email, await readPasswordFromStdin(), { admin: options.admin });
      if (!result.ok) {
        console.error(result.problems.map((problem) => `${problem.field} ${problem.message}`).join('\n'));
        return 1;
      }
      console.error(`Created ${result.user.admin ? 'admin ' : ''}account ${result.user.email}.`);
      return 0;
    }
    const created = await accounts.createApiToken(email, { name: options.name ?? 'CLI token' });
    if (created === 'no_such_user') {
      console.error(`There is no account for ${email}.`);
      return 1;
    }
    // The token alone on stdout, so scripts can capture it.
    console.log(created.token);
    return 0;
  } finally {
    await database.close();
  }
}
