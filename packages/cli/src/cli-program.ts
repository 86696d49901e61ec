import { statSync } from 'node:fs';
import { Argument, Command, Option } from 'commander';
import { CLI_VERSION } from './cli-version.js';
import { auditCommand, expireCommand, listCommand } from './commands/owner-commands.js';
import { loginCommand, logoutCommand } from './commands/account-commands.js';
import { getCommand } from './commands/get-command.js';
import { pushCommand, type PushOptions } from './commands/push-command.js';
import { resumeCommand } from './commands/resume-command.js';
import { API_CHOICES } from './connect-server.js';
import { CliError, EXIT, EXIT_CODE_HELP } from './exit-codes.js';
import { positiveInteger } from './option-parsers.js';
import { CLI_PUSH_KINDS } from './push-server.js';
import { addRequestCommands } from './request-program.js';
import { completionScript, SHELLS, type Shell } from './shell-completion.js';

const ENVIRONMENT_HELP = `Environment:
  PASSDROP_SERVER      server URL when --server is not given
  PASSDROP_TOKEN       API token for that server (instead of passdrop login)
  PASSDROP_PASSPHRASE  passphrase for push --passphrase and for get (instead of a prompt)
  XDG_CONFIG_HOME      where passdrop login keeps its config ($XDG_CONFIG_HOME/passdrop/config.json,
                       default ~/.config/passdrop/config.json, mode 0600)
  XDG_STATE_HOME       where interrupted file pushes wait for passdrop resume ($XDG_STATE_HOME/passdrop/uploads,
                       default ~/.local/state/passdrop/uploads, mode 0600)`;

/** Whether `path` names a regular file (following links). */
function isRegularFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Adds the options of every command that talks to a server. */
function withServerOptions(command: Command): Command {
  return command
    .option('-s, --server <url>', 'the server (default: PASSDROP_SERVER, else the one you logged in to)')
    .addOption(
      new Option('--api <api>', 'which API to speak: find out, or insist on Passdrop or Password Pusher').choices(API_CHOICES).default('auto'),
    );
}

/**
 * The `passdrop` program: commands, options and help (commander). Shell completion is generated from
 * these same definitions. Actions throw CliError for expected failures; the bin maps them to exit codes.
 */
export function buildProgram(): Command {
  const program = new Command('passdrop')
    .description(
      'Push and open self-destructing secrets from a terminal. Text and QR secrets are encrypted on this machine ' +
        '(the key travels only in the link, after #). Works with Passdrop and Password Pusher servers.',
    )
    .version(CLI_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `\nExamples:
  printf %s 's3cr3t' | passdrop push --views 1 --expires 1h --server https://secrets.example.com
  passdrop push --file ./db-password.txt --passphrase
  passdrop push report.pdf data.csv --views 2
  passdrop resume                      (finish a file push that was interrupted)
  passdrop get 'https://secrets.example.com/p/TOKEN#KEY' --output ./received
  passdrop get 'https://secrets.example.com/p/TOKEN#KEY' > secret.txt

${EXIT_CODE_HELP}

${ENVIRONMENT_HELP}`,
    );

  withServerOptions(
    program
      .command('push')
      .summary('push a secret and print its link')
      .description(
        'Push a secret and print its link alone on stdout (the expiry summary goes to stderr). ' +
          'The secret comes from stdin, from --file, or from a hidden prompt when stdin is a terminal; never from the command line. ' +
          'It is sent exactly as read: use printf %s or echo -n to send no trailing newline. ' +
          'Text and QR secrets are encrypted here (end to end); URL secrets by the server, which must redirect.',
      )
      .argument('[files...]', 'files to push as a file push (encrypted here, resumable upload); any other word is refused: the secret itself never goes on the command line')
      .option(
        '-f, --file <path>',
        'read the secret from a file (its text, byte for byte); with --kind file, or given more than once, push the files themselves (encrypted here, resumable upload)',
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
      .option('--views <count>', 'views allowed before the secret is deleted', positiveInteger)
      .option('-e, --expires <when>', 'lifetime: 30m, 12h, 7d, or an ISO 8601 time such as 2030-01-31T18:00:00Z')
      .option('-p, --passphrase', 'require a passphrase (asked on the terminal, or PASSDROP_PASSPHRASE)')
      .option('--retrieval-step', 'recipients click through a page first (link previews cannot use a view)')
      .option('--no-retrieval-step', 'no click-through page')
      .option('--deletable', 'recipients may delete the secret at once')
      .option('--no-deletable', 'recipients may not delete it')
      .option('--name <name>', 'a label for your list of pushes (not encrypted)')
      .option('--note <note>', 'a private note for yourself (not for secrets: the command line is visible)')
      .addOption(new Option('-k, --kind <kind>', 'text, url (the server must redirect, so it encrypts), qr, or file (the --file paths as files)').choices([...CLI_PUSH_KINDS, 'file']).default('text'))
      .option('--json', 'print the link and the push settings as JSON on stdout')
      .option('--qr', 'also draw the link as a QR code on stderr'),
  ).action(async (words: string[], options: PushOptions) => {
    if (words.length === 0) return pushCommand(options);
    // Words after `push` are files to push; anything else is refused with a reason, and never echoed (it may be a secret).
    if (!words.every(isRegularFile)) {
      throw new CliError(
        'passdrop push takes no secret or passphrase on the command line (ps and shell history see it): pipe it on stdin, use --file PATH, or type it at the prompt. Words after push must be files to push.',
        EXIT.usage,
      );
    }
    if (options.kind !== 'text' && options.kind !== 'file') throw new CliError(`Files given after push make a file push: drop --kind ${options.kind}.`, EXIT.usage);
    return pushCommand({ ...options, kind: 'file', file: [...(options.file ?? []), ...words] });
  });

  withServerOptions(
    program
      .command('resume')
      .summary('finish file pushes an interrupted push left')
      .description(
        'Finish a file push that passdrop push could not (Ctrl-C, a lost connection, a killed process): each upload continues ' +
          'where the server stopped, and the link is printed as push would have. Without an id, finishes the only interrupted push, ' +
          'or lists them when there are several. What an interrupted push needs to continue (its link key, upload URLs) is kept in ' +
          '$XDG_STATE_HOME/passdrop/uploads (default ~/.local/state/passdrop/uploads, mode 0600) until the push exists or is cancelled. ' +
          'A file that changed since is refused.',
      )
      .argument('[id]', 'the interrupted push (passdrop resume --list shows them)')
      .option('-l, --list', 'list interrupted pushes')
      .option('-a, --all', 'finish every interrupted push')
      .option('--cancel', 'give the push up: delete its uploads on the server and forget it here'),
  ).action(resumeCommand);

  withServerOptions(
    program
      .command('get')
      .summary('open a secret link and print the secret')
      .description(
        'Open a secret link and print the secret on stdout exactly, byte for byte. End-to-end secrets are decrypted here ' +
          'with the key from the link. Asks before using the last view, unless --yes. ' +
          'The link may come as an argument, on stdin, or at a hidden prompt.',
      )
      .argument('[link]', 'the secret link with its key after # (quote it); without it, read from stdin or a hidden prompt, which keeps the key out of ps and shell history')
      .option('-y, --yes', 'do not ask before using the last view (needed without a terminal)')
      .option('-o, --output <dir>', 'file pushes: the directory to save the files in (default: the current one); existing files are never replaced'),
  ).action(getCommand);

  withServerOptions(
    program
      .command('login')
      .summary('store an API token for a server')
      .description(
        'Store an API token for a server, checked with the server first. The token is read from a hidden prompt, ' +
          'or from stdin when it is not a terminal (never from the command line). The server becomes the default for the other commands.',
      ),
  ).action(loginCommand);

  withServerOptions(program
      .command('logout')
      .summary("forget a server's stored token")
      .description('Forget the stored token of a server (the default one unless --server). The token itself stays valid until revoked on the server.')).action(
    logoutCommand,
  );

  withServerOptions(
    program
      .command('list')
      .summary('list your pushes')
      .description('List your active pushes (or --expired ones), newest first. Needs a token.')
      .option('--expired', 'list expired pushes instead')
      .option('--json', 'print JSON'),
  ).action(listCommand);

  withServerOptions(
    program
      .command('audit')
      .summary("show a push's audit log")
      .description("Show a push's audit log: created, opened, viewed, failed passphrases, expired… Needs the owner's token.")
      .argument('<link-or-token>', 'the secret link, or its token with --server')
      .option('--json', 'print JSON'),
  ).action(auditCommand);

  withServerOptions(
    program
      .command('expire')
      .summary('expire a push now')
      .description('Expire a push now, deleting its secret (its owner, or a recipient when the sender allowed it).')
      .argument('<link-or-token>', 'the secret link, or its token with --server')
      .option('--json', "print the server's answer as JSON"),
  ).action(expireCommand);

  addRequestCommands(program);

  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh, fish)')
    .description(
      'Print a shell completion script for bash, zsh or fish on stdout. It completes commands, request subcommands, options, ' +
        'fixed values (--kind, --api…), file names after --file and push, and directory names after --output.',
    )
    .addHelpText(
      'after',
      `\nLoad it:
  bash:  source <(passdrop completion bash)   or save it as ~/.local/share/bash-completion/completions/passdrop
  zsh:   source <(passdrop completion zsh)    or save it as _passdrop in a directory of your $fpath
  fish:  passdrop completion fish | source    or save it as ~/.config/fish/completions/passdrop.fish`,
    )
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(program, shell));
    });

  return program;
}
