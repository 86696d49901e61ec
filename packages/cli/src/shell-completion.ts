import type { Command, Option } from 'commander';

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

/** What a value of an option completes to: a file path, a directory, or nothing in particular. */
type PathKind = 'file' | 'directory' | undefined;

/** What completion needs to know of one option, read from the command definitions (one source). */
interface OptionSpec {
  readonly long: string;
  readonly short: string | undefined;
  readonly description: string;
  readonly takesValue: boolean;
  readonly choices: readonly string[] | undefined;
  readonly path: PathKind;
}

interface CommandSpec {
  readonly name: string;
  /** The words that lead to this command after `passdrop`, such as `request list`. */
  readonly path: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  /** Values for the first argument (such as `completion`'s shells), if fixed. */
  readonly argumentChoices: readonly string[] | undefined;
  /** Whether its arguments are file paths (`push [files...]`). */
  readonly argumentsAreFiles: boolean;
  /** Its own commands (`request list`, `request read`…), none for most. */
  readonly subcommands: readonly CommandSpec[];
  /** The subcommand that runs when none is named (`passdrop request` is `passdrop request create`). */
  readonly defaultSubcommand: CommandSpec | undefined;
}

const HELP_OPTION: OptionSpec = { long: '--help', short: '-h', description: 'show help', takesValue: false, choices: undefined, path: undefined };

/** The value placeholder in an option's flags says what it names: `<path>` a file, `<dir>` a directory. */
function pathKind(option: Option): PathKind {
  if (/<path>|\[path\]/.test(option.flags)) return 'file';
  if (/<dir>|\[dir\]/.test(option.flags)) return 'directory';
  return undefined;
}

function optionSpec(option: Option): OptionSpec | undefined {
  if (option.hidden || !option.long) return undefined;
  return {
    long: option.long,
    short: option.short,
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices,
    path: pathKind(option),
  };
}

function commandSpec(command: Command, parentPath: string): CommandSpec {
  const path = parentPath ? `${parentPath} ${command.name()}` : command.name();
  const subcommands = command.commands.map((subcommand) => commandSpec(subcommand, path));
  // Commander keeps `{ isDefault: true }` in a field its types do not declare.
  const defaultName = (command as unknown as { _defaultCommandName?: string | null })._defaultCommandName;
  return {
    name: command.name(),
    path,
    description: command.summary() || command.description(),
    options: [...command.options.map(optionSpec).filter((option): option is OptionSpec => option !== undefined), HELP_OPTION],
    argumentChoices: command.registeredArguments[0]?.argChoices,
    argumentsAreFiles: command.registeredArguments[0]?.name() === 'files',
    subcommands,
    defaultSubcommand: subcommands.find((subcommand) => subcommand.name === defaultName),
  };
}

/** The program's commands, each followed by its subcommands (depth first), and `help`. */
function commandSpecs(program: Command): CommandSpec[] {
  const top = program.commands.map((command) => commandSpec(command, ''));
  const help: CommandSpec = {
    name: 'help',
    path: 'help',
    description: 'show help for a command',
    options: [],
    argumentChoices: top.map((spec) => spec.name),
    argumentsAreFiles: false,
    subcommands: [],
    defaultSubcommand: undefined,
  };
  return [...top, help];
}

/** Every command below `commands`, parents before their subcommands. */
function allCommands(commands: readonly CommandSpec[]): CommandSpec[] {
  return commands.flatMap((command) => [command, ...allCommands(command.subcommands)]);
}

/** The options offered at a command: with subcommands, those of its default subcommand (which runs when none is named). */
const offeredOptions = (command: CommandSpec) => command.defaultSubcommand?.options ?? command.options;

/** Single-quotes a word for any of the three shells' syntax. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function bashScript(program: Command): string {
  const commands = commandSpecs(program);
  const everyCommand = allCommands(commands);
  // How the words typed so far lead to a command: the first word names a command, the next one a subcommand (else the default one).
  const steps = everyCommand
    .filter((command) => command.subcommands.length > 0)
    .map((command) => {
      const names = command.subcommands.map((subcommand) => subcommand.name).join('|');
      const otherwise = command.defaultSubcommand ? `path=${quote(command.defaultSubcommand.path)}` : ':';
      return `      ${quote(command.path)}) case "$word" in ${names}) path="$path $word" ;; *) ${otherwise} ;; esac ;;`;
    });
  const cases = everyCommand.map((command) => {
    const options = offeredOptions(command);
    const valueCases = options
      .filter((option) => option.takesValue)
      .map((option) => {
        const names = [option.long, option.short].filter(Boolean).join('|');
        const reply =
          option.choices ? `COMPREPLY=( $(compgen -W ${quote(option.choices.join(' '))} -- "$cur") )`
          : option.path === 'file' ? 'COMPREPLY=( $(compgen -f -- "$cur") )'
          : option.path === 'directory' ? 'COMPREPLY=( $(compgen -d -- "$cur") )'
          : 'COMPREPLY=()';
        return `        ${names}) ${reply}; return ;;`;
      });
    const words = [...command.subcommands.map((subcommand) => subcommand.name), ...options.map((option) => option.long), ...(command.argumentChoices ?? [])];
    return [
      `    ${quote(command.path)})`,
      ...(valueCases.length > 0 ? ['      case "$prev" in', ...valueCases, '      esac'] : []),
      ...(command.argumentsAreFiles ? ['      [[ "$cur" == -* ]] || { COMPREPLY=( $(compgen -f -- "$cur") ); return; }'] : []),
      `      COMPREPLY=( $(compgen -W ${quote(words.join(' '))} -- "$cur") ) ;;`,
    ].join('\n');
  });
  return `# bash completion for passdrop. Load it with:  source <(passdrop completion bash)
# or save it as ~/.local/share/bash-completion/completions/passdrop
_passdrop() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    case "$path" in
      "") path="$word" ;;
${steps.join('\n')}
    esac
  done
  case "$path" in
    "") COMPREPLY=( $(compgen -W ${quote(commands.map((command) => command.name).join(' ') + ' --help --version')} -- "$cur") ) ;;
${cases.join('\n')}
  esac
}
complete -F _passdrop passdrop
`;
}

/** Text inside a zsh `_arguments` spec: no brackets or colons, which are syntax there. */
const zshText = (text: string) => text.replace(/[[\]:]/g, ' ').replace(/'/g, `'\\''`);

/** The `_arguments` call that completes `options` (and the fixed first-argument values) of one command. */
function zshArguments(options: readonly OptionSpec[], argumentChoices: readonly string[] | undefined, indent: string, argumentsAreFiles = false): string {
  const specs = options.map((option) => {
    const names = option.short ? `'(${option.short} ${option.long})'{${option.short},${option.long}}` : `'${option.long}`;
    const open = option.short ? `'` : '';
    const action =
      !option.takesValue ? ''
      : option.choices ? `:value:(${option.choices.join(' ')})`
      : option.path === 'file' ? ':file:_files'
      : option.path === 'directory' ? ':directory:_files -/'
      : ':value: ';
    return `${indent}  ${names}${open}[${zshText(option.description)}]${action}'`;
  });
  if (argumentChoices) specs.push(`${indent}  '1:argument:(${argumentChoices.join(' ')})'`);
  if (argumentsAreFiles) specs.push(`${indent}  '*:file:_files'`);
  return `${indent}_arguments -s \\\n${specs.join(' \\\n')}`;
}

/**
 * The completion of one command, with `words` starting at its name. A command with subcommands offers
 * their names first; then each subcommand completes from its own name on (the default one, when no
 * name is given, from the parent's).
 */
function zshCommandBody(command: CommandSpec, indent: string): string {
  if (command.subcommands.length === 0) return zshArguments(command.options, command.argumentChoices, indent, command.argumentsAreFiles);
  const list = command.subcommands.map((subcommand) => `${indent}  '${subcommand.name}:${zshText(subcommand.description)}'`).join('\n');
  const cases = command.subcommands.map(
    (subcommand) => `${indent}  ${subcommand.name})\n${indent}    shift words\n${indent}    (( CURRENT-- ))\n${zshCommandBody(subcommand, `${indent}    `)}\n${indent}    ;;`,
  );
  const fallback = command.defaultSubcommand ? [`${indent}  *)`, zshArguments(command.defaultSubcommand.options, command.defaultSubcommand.argumentChoices, `${indent}    `), `${indent}    ;;`] : [];
  return [
    `${indent}local -a subcommands`,
    `${indent}subcommands=(`,
    list,
    `${indent})`,
    `${indent}if (( CURRENT == 2 )) && [[ $words[CURRENT] != -* ]]; then`,
    `${indent}  _describe -t commands 'passdrop ${command.path} command' subcommands`,
    `${indent}  return`,
    `${indent}fi`,
    `${indent}case $words[2] in`,
    ...cases,
    ...fallback,
    `${indent}esac`,
  ].join('\n');
}

function zshScript(program: Command): string {
  const commands = commandSpecs(program);
  const list = commands.map((command) => `    '${command.name}:${zshText(command.description)}'`).join('\n');
  const cases = commands.map((command) => `    ${command.name})\n${zshCommandBody(command, '      ')}\n      ;;`);
  return `#compdef passdrop
# zsh completion for passdrop. Load it with:  source <(passdrop completion zsh)
# or save it as _passdrop in a directory of your $fpath.
_passdrop() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'passdrop command' commands
    return
  fi
  local command=$words[2]
  shift words
  (( CURRENT-- ))
  case $command in
${cases.join('\n')}
  esac
}
if [[ "\${funcstack[1]}" == "_passdrop" ]]; then
  _passdrop "$@"
else
  compdef _passdrop passdrop
fi
`;
}

function fishScript(program: Command): string {
  const commands = commandSpecs(program);
  const everyCommand = allCommands(commands);
  // The same walk as bash's: the first word names a command, the next one a subcommand (else the default one).
  const steps = everyCommand
    .filter((command) => command.subcommands.length > 0)
    .flatMap((command) => [
      `        case ${quote(command.path)}`,
      '            switch $word',
      `                case ${command.subcommands.map((subcommand) => subcommand.name).join(' ')}`,
      '                    set path "$path $word"',
      ...(command.defaultSubcommand ? ["                case '*'", `                    set path ${quote(command.defaultSubcommand.path)}`] : []),
      '            end',
    ]);
  const lines = [
    '# fish completion for passdrop. Load it with:  passdrop completion fish | source',
    '# or save it as ~/.config/fish/completions/passdrop.fish',
    'function __fish_passdrop_path --description "the passdrop command the words so far lead to, such as: request list"',
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    "    set -l path ''",
    '    for word in $words',
    "        string match -q -- '-*' $word; and continue",
    '        switch $path',
    "        case ''",
    '            set path $word',
    ...steps,
    '        end',
    '    end',
    '    echo $path',
    'end',
    'function __fish_passdrop_at --description "whether the words so far lead to one of the given passdrop commands"',
    '    contains -- (__fish_passdrop_path) $argv',
    'end',
    'complete -c passdrop -f',
  ];
  for (const command of commands) lines.push(`complete -c passdrop -n __fish_use_subcommand -a ${command.name} -d ${quote(command.description)}`);
  const parentOf = new Map(everyCommand.flatMap((command) => (command.defaultSubcommand ? [[command.defaultSubcommand.path, command.path] as const] : [])));
  for (const command of everyCommand) {
    for (const subcommand of command.subcommands) {
      lines.push(`complete -c passdrop -n ${quote(`__fish_passdrop_at ${quote(command.path)}`)} -a ${subcommand.name} -d ${quote(subcommand.description)}`);
    }
    // A parent with a default subcommand offers that one's options, which are written for the default's path and the parent's.
    if (command.defaultSubcommand) continue;
    const parent = parentOf.get(command.path);
    const paths = [command.path, ...(parent ? [parent] : [])].map(quote).join(' ');
    const when = `-n ${quote(`__fish_passdrop_at ${paths}`)}`;
    for (const option of command.options) {
      const parts = [`complete -c passdrop ${when} -l ${option.long.slice(2)}`];
      if (option.short) parts.push(`-s ${option.short.slice(1)}`);
      if (option.takesValue) {
        parts.push(option.path === 'file' ? '-r -F' : option.path === 'directory' ? `-x -a ${quote('(__fish_complete_directories)')}` : '-x');
      }
      if (option.choices) parts.push(`-a ${quote(option.choices.join(' '))}`);
      parts.push(`-d ${quote(option.description)}`);
      lines.push(parts.join(' '));
    }
    if (command.argumentChoices) lines.push(`complete -c passdrop ${when} -a ${quote(command.argumentChoices.join(' '))}`);
    if (command.argumentsAreFiles) lines.push(`complete -c passdrop ${when} -F`);
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`, generated from the program's own command and option definitions. */
export function completionScript(program: Command, shell: Shell): string {
  return shell === 'bash' ? bashScript(program) : shell === 'zsh' ? zshScript(program) : fishScript(program);
}
