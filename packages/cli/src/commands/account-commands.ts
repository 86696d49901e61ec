import { writeCliConfig } from '../cli-config-store.js';
import { connectServer } from '../connect-server.js';
import { CliError, EXIT } from '../exit-codes.js';
import { normalizeServerUrl } from '../server-address.js';
import { loadConfig, namedServer, notice, type ServerOptions } from '../server-selection.js';
import { askHidden, askText, openTerminal } from '../terminal-prompts.js';

async function readTokenFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/**
 * `passdrop login`: asks for the server URL (unless given) and an API token (hidden prompt, or stdin
 * when it is not a terminal), checks the token with the server, and stores it in the config file
 * (mode 0600) as the default server's token.
 */
export async function loginCommand(options: ServerOptions): Promise<void> {
  const { path, config } = loadConfig();
  const terminal = openTerminal();
  try {
    let serverText = options.server || process.env.PASSDROP_SERVER;
    if (!serverText) {
      if (!terminal) throw new CliError('Which server? Pass --server URL or set PASSDROP_SERVER.', EXIT.usage);
      serverText = await askText(terminal, 'Server URL', 'https://secrets.example.com');
    }
    const base = normalizeServerUrl(serverText);
    let token: string;
    if (!process.stdin.isTTY) {
      token = await readTokenFromStdin();
    } else if (terminal) {
      token = (await askHidden(terminal, `API token for ${base} (create one on its API tokens page)`)).trim();
    } else {
      throw new CliError('No token: pipe it on stdin.', EXIT.usage);
    }
    if (!token) throw new CliError('The token is empty.', EXIT.usage);
    const server = await connectServer(base, { token, api: options.api ?? 'auto', onNotice: notice });
    if (!(await server.verifyToken())) throw new CliError(`${base} does not accept this token (unknown, revoked or expired).`, EXIT.auth);
    writeCliConfig(path, { defaultServer: base, servers: { ...config.servers, [base]: { token } } });
    notice(`Logged in to ${base}. The token is saved in ${path}, readable only by you.`);
  } finally {
    terminal?.close();
  }
}

/** `passdrop logout`: forgets the token of the named server (the token itself stays valid until revoked). */
export async function logoutCommand(options: ServerOptions): Promise<void> {
  const { path, config } = loadConfig();
  const base = namedServer(options, config);
  if (!base) throw new CliError('You are not logged in to any server.', EXIT.usage);
  if (!config.servers[base]) {
    notice(`You were not logged in to ${base}.`);
    return;
  }
  const servers = { ...config.servers };
  delete servers[base];
  const remaining = Object.keys(servers);
  const defaultServer = config.defaultServer === base ? remaining[0] : config.defaultServer;
  writeCliConfig(path, { ...(defaultServer ? { defaultServer } : {}), servers });
  notice(`Logged out of ${base}: its token was removed from ${path}. The token still works until you revoke it on the server's API tokens page.`);
}
