import type { Command, Option } from 'commander';

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

/** What completion needs to know of one option, read from the command definitions (one source). */
interface OptionSpec {
  readonly long: string;
  readonly short: string | undefined;
  readonly description: string;
  readonly takesValue: boolean;
  readonly choices: readonly string[] | undefined;
  readonly isPath: boolean;
}

interface CommandSpec {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  /** Values for the first argument (such as `completion`'s shells), if fixed. */
  readonly argumentChoices: readonly string[] | undefined;
}

const HELP_OPTION: OptionSpec = { long: '--help', short: '-h', description: 'show help', takesValue: false, choices: undefined, isPath: false };

function optionSpec(option: Option): OptionSpec | undefined {
  if (option.hidden || !option.long) return undefined;
  return {
    long: option.long,
    short: option.short,
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices,
    isPath: option.long === '--file',
  };
}

function commandSpecs(program: Command): CommandSpec[] {
  const specs = program.commands.map((command) => ({
    name: command.name(),
    description: command.summary() || command.description(),
    options: [...command.options.map(optionSpec).filter((option): option is OptionSpec => option !== undefined), HELP_OPTION],
    argumentChoices: command.registeredArguments[0]?.argChoices,
  }));
  return [...specs, { name: 'help', description: 'show help for a command', options: [], argumentChoices: specs.map((spec) => spec.name) }];
}

/** Single-quotes a word for any of the three shells' syntax. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function bashScript(program: Command): string {
  const commands = commandSpecs(program);
  const cases = commands.map((command) => {
    const valueCases = command.options
      .filter((option) => option.takesValue)
      .map((option) => {
        const names = [option.long, option.short].filter(Boolean).join('|');
        const reply =
          option.choices ? `COMPREPLY=( $(compgen -W ${quote(option.choices.join(' '))} -- "$cur") )`
          : option.isPath ? 'COMPREPLY=( $(compgen -f -- "$cur") )'
          : 'COMPREPLY=()';
        return `        ${names}) ${reply}; return ;;`;
      });
    const words = command.options.map((option) => option.long);
    const positional = command.argumentChoices ? ` ${command.argumentChoices.join(' ')}` : '';
    return [
      `    ${command.name})`,
      ...(valueCases.length > 0 ? ['      case "$prev" in', ...valueCases, '      esac'] : []),
      `      COMPREPLY=( $(compgen -W ${quote(words.join(' ') + positional)} -- "$cur") ) ;;`,
    ].join('\n');
  });
  return `# bash completion for passdrop. Load it with:  source <(passdrop completion bash)
# or save it as ~/.local/share/bash-completion/completions/passdrop
_passdrop() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" command="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) command="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$command" in
    "") COMPREPLY=( $(compgen -W ${quote(commands.map((command) => command.name).join(' ') + ' --help --version')} -- "$cur") ) ;;
${cases.join('\n')}
  esac
}
complete -F _passdrop passdrop
`;
}

/** Text inside a zsh `_arguments` spec: no brackets or colons, which are syntax there. */
const zshText = (text: string) => text.replace(/[[\]:]/g, ' ').replace(/'/g, `'\\''`);

function zshScript(program: Command): string {
  const commands = commandSpecs(program);
  const list = commands.map((command) => `    '${command.name}:${zshText(command.description)}'`).join('\n');
  const cases = commands.map((command) => {
    const specs = command.options.map((option) => {
      const names = option.short ? `'(${option.short} ${option.long})'{${option.short},${option.long}}` : `'${option.long}`;
      const open = option.short ? `'` : '';
      const action =
        !option.takesValue ? ''
        : option.choices ? `:value:(${option.choices.join(' ')})`
        : option.isPath ? ':file:_files'
        : ':value: ';
      return `        ${names}${open}[${zshText(option.description)}]${action}'`;
    });
    if (command.argumentChoices) specs.push(`        '1:argument:(${command.argumentChoices.join(' ')})'`);
    return `    ${command.name})\n      _arguments -s \\\n${specs.join(' \\\n')}\n      ;;`;
  });
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
  const lines = ['# fish completion for passdrop. Load it with:  passdrop completion fish | source', '# or save it as ~/.config/fish/completions/passdrop.fish', 'complete -c passdrop -f'];
  for (const command of commands) lines.push(`complete -c passdrop -n __fish_use_subcommand -a ${command.name} -d ${quote(command.description)}`);
  for (const command of commands) {
    const when = `-n ${quote(`__fish_seen_subcommand_from ${command.name}`)}`;
    for (const option of command.options) {
      const parts = [`complete -c passdrop ${when} -l ${option.long.slice(2)}`];
      if (option.short) parts.push(`-s ${option.short.slice(1)}`);
      if (option.takesValue) parts.push(option.isPath ? '-r -F' : '-x');
      if (option.choices) parts.push(`-a ${quote(option.choices.join(' '))}`);
      parts.push(`-d ${quote(option.description)}`);
      lines.push(parts.join(' '));
    }
    if (command.argumentChoices) lines.push(`complete -c passdrop ${when} -a ${quote(command.argumentChoices.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script for `shell`, generated from the program's own command and option definitions. */
export function completionScript(program: Command, shell: Shell): string {
  return shell === 'bash' ? bashScript(program) : shell === 'zsh' ? zshScript(program) : fishScript(program);
}
