import { Command } from 'commander';
import { answerCommand } from './commands/answer-command.js';
import { requestAnswersCommand } from './commands/request-answers-command.js';
import { requestCloseCommand } from './commands/request-close-command.js';
import { requestCreateCommand } from './commands/request-create-command.js';
import { requestListCommand } from './commands/request-list-command.js';
import { requestReadCommand } from './commands/request-read-command.js';
import { CliError, EXIT } from './exit-codes.js';
import { positiveInteger } from './option-parsers.js';

const SERVER_OPTION = ['-s, --server <url>', 'the server (default: PASSDROP_SERVER, else the one you logged in to)'] as const;

/**
 * `passdrop request …` (the requester's side: create, which is the default, list, answers, read,
 * close) and `passdrop answer LINK` (the responder's side), added to `program`. Formats:
 * docs/requests-encryption.md, through the shared module in src/crypto/requests.
 */
export function addRequestCommands(program: Command): void {
  const request = program
    .command('request')
    .summary('ask someone to send you a secret, end to end (create, list, answers, read, close)')
    .description(
      'Requests: ask someone to send you a secret. A key pair is made on this machine; the server gets only the public key, ' +
        'and answers are encrypted to it on the responder\'s side. `passdrop request` alone makes one (same as `passdrop request create`). Needs a token (passdrop login or PASSDROP_TOKEN).',
    )
    .addHelpText(
      'after',
      `\nExamples:
  passdrop request --name 'staging db' --from 'Dana from IT' --instructions 'The staging DB password, please.' --expires 2d
  passdrop request list
  passdrop request answers TOKEN
  passdrop request read TOKEN/ANSWER > secret.txt
  passdrop request close TOKEN`,
    );

  request
    .command('create', { isDefault: true })
    .summary('make a request and print its link (the default)')
    .description(
      'Make a request and print its link alone on stdout: send it to the person who has the secret. The key pair is made here; ' +
        'the requester key (the private half) is saved in $XDG_DATA_HOME/passdrop/request-keys.json (mode 0600) for passdrop request read. ' +
        'Without that key nobody can ever read the answers: --show-key prints a one-time key link for another device.',
    )
    .option(SERVER_OPTION[0], SERVER_OPTION[1])
    .option('--name <name>', 'a label for your list of requests (responders never see it)')
    .option('--from <who>', 'who asks, shown to responders (default: the server\'s choice, such as your account name)')
    .option('--instructions <text>', 'what to send, shown to responders (not for secrets: the command line is visible)')
    .option('-e, --expires <when>', 'how long the link takes answers: 30m, 12h, 7d, or an ISO 8601 time')
    .option('--answers <count>', 'how many answers the link takes (default 1)', positiveInteger)
    .option('-p, --passphrase', 'responders must type a passphrase (asked on the terminal, or PASSDROP_PASSPHRASE)')
    .option('--answer-expires <when>', 'how long each answer is kept: 30m, 12h, 7d')
    .option('--answer-views <count>', 'how many times each answer may be read', positiveInteger)
    .option('--show-key', 'also print the requester key link on stderr, to read the answers on another device')
    .option('--no-save-key', 'do not keep the requester key on this machine (needs --show-key)')
    .option('--json', 'print the link and the request settings as JSON on stdout')
    .option('--qr', 'also draw the link as a QR code on stderr')
    // A word after `request` that is no subcommand is refused with a reason, not taken as something else.
    .allowExcessArguments(true)
    .action(async (options, command: Command) => {
      if (command.args.length > 0) {
        throw new CliError(`passdrop request has no command "${command.args[0]}": use create, list, answers, read or close (see passdrop request --help).`, EXIT.usage);
      }
      await requestCreateCommand(options);
    });

  request
    .command('list')
    .summary('list your requests')
    .description('List your open requests (or --closed ones), newest first, with their answer counts and whether this machine holds their requester key.')
    .option(SERVER_OPTION[0], SERVER_OPTION[1])
    .option('--closed', 'list closed requests instead (all answered, time run out, closed by you, or locked)')
    .option('--json', 'print JSON')
    .action(requestListCommand);

  request
    .command('answers')
    .summary("list a request's answers")
    .description("List a request's answers (never their contents): id, when, views left, expiry.")
    .argument('<request>', 'the request: its token, its link, or its page on the web')
    .option(SERVER_OPTION[0], SERVER_OPTION[1])
    .option('--json', 'print JSON')
    // Tokens and answer ids are base64url and may start with '-': such a word is the argument, not an unknown option.
    .allowUnknownOption(true)
    .action(requestAnswersCommand);

  request
    .command('read')
    .summary('read an answer (decrypted here, byte for byte on stdout)')
    .description(
      'Read an answer: fetched (which uses one of its views; asks before the last unless --yes), decrypted here with the requester key, ' +
        'and printed on stdout exactly, byte for byte. The key comes from this machine, else PASSDROP_REQUESTER_KEY (the key or the key link), else a hidden prompt.',
    )
    .argument('<answer>', 'REQUEST/ANSWER as passdrop request answers shows, or an answer id (with --request, or searched among the requests whose keys are here)')
    .option(SERVER_OPTION[0], SERVER_OPTION[1])
    .option('-r, --request <request>', 'the request the answer belongs to (token or link)')
    .option('-y, --yes', 'do not ask before using the last view (needed without a terminal)')
    .option('-o, --output <dir>', 'an answer with files: the directory to save them in (default: the current one); existing files are never replaced')
    // Tokens and answer ids are base64url and may start with '-': such a word is the argument, not an unknown option.
    .allowUnknownOption(true)
    .action(requestReadCommand);

  request
    .command('close')
    .summary('close a request: it takes no more answers')
    .description('Close a request now: its link takes no more answers. Answers already in stay readable until they expire.')
    .argument('<request>', 'the request: its token, its link, or its page on the web')
    .option(SERVER_OPTION[0], SERVER_OPTION[1])
    .option('--json', "print the server's answer as JSON")
    // Tokens and answer ids are base64url and may start with '-': such a word is the argument, not an unknown option.
    .allowUnknownOption(true)
    .action(requestCloseCommand);

  program
    .command('answer')
    .summary('answer a request: send a secret to whoever asked, encrypted here')
    .description(
      'Answer a request link. The requester\'s public key is checked against the fingerprint after # in the link (refused on a mismatch, nothing sent); ' +
        'the secret is read from stdin, --file or a hidden prompt (never from the command line), encrypted here to that key, and sent. Needs no account. ' +
        'A passphrase, when the request has one, comes from PASSDROP_PASSPHRASE or a prompt.',
    )
    .argument('<link>', 'the request link, with the fingerprint after # (quote it)')
    .option('-f, --file <path>', 'read the answer from a file (its text, byte for byte)')
    .option('--json', "print the server's receipt as JSON on stdout")
    .addHelpText('after', `\nExample:\n  printf %s "$DB_PASSWORD" | passdrop answer 'https://secrets.example.com/req/TOKEN#FINGERPRINT'`)
    .action(answerCommand);
}
