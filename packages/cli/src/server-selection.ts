import { configFilePath, readCliConfig, type CliConfig } from './cli-config-store.js';
import { connectServer, type ApiChoice } from './connect-server.js';
import { CliError, EXIT } from './exit-codes.js';
import type { PushServer } from './push-server.js';
import { isPushToken, normalizeServerUrl, parseSecretLink, type SecretLink } from './server-address.js';

/** The options every server command takes. */
export interface ServerOptions {
  readonly server?: string | undefined;
  readonly api?: ApiChoice | undefined;
}

/** Prints a line for the person on stderr (stdout carries only links, secrets and --json). */
export function notice(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function loadConfig(): { path: string; config: CliConfig } {
  const path = configFilePath(process.env);
  return { path, config: readCliConfig(path) };
}

/** The server named by --server, else PASSDROP_SERVER, else the one last logged in to; undefined when none. */
export function namedServer(options: ServerOptions, config: CliConfig): string | undefined {
  const named = options.server || process.env.PASSDROP_SERVER || config.defaultServer;
  return named ? normalizeServerUrl(named) : undefined;
}

/**
 * The API token for `server`: PASSDROP_TOKEN when `server` is the named server (or no server is named
 * at all), else the token `passdrop login` stored for exactly that server. A token is never sent to a
 * server it was not meant for, such as the host of a link someone sent you.
 */
export function tokenFor(server: string, options: ServerOptions, config: CliConfig): string | undefined {
  const named = namedServer(options, config);
  const fromEnv = process.env.PASSDROP_TOKEN;
  if (fromEnv && (named === undefined || named === server)) return fromEnv;
  return config.servers[server]?.token;
}

/** Connects to the named server (push, list, login…); a usage error when none is named. */
export async function connectNamedServer(options: ServerOptions): Promise<PushServer> {
  const { config } = loadConfig();
  const server = namedServer(options, config);
  if (!server) throw new CliError('Which server? Pass --server URL, set PASSDROP_SERVER, or run passdrop login.', EXIT.usage);
  return connectServer(server, { token: tokenFor(server, options, config), api: options.api ?? 'auto', onNotice: notice });
}

/** Connects to the server a link lives on (get), or, for a bare token (audit, expire), to the named server. */
export async function connectForPush(linkOrToken: string, options: ServerOptions): Promise<{ server: PushServer; link: SecretLink }> {
  const { config } = loadConfig();
  let link = parseSecretLink(linkOrToken);
  if (!link) {
    if (!isPushToken(linkOrToken)) throw new CliError(`"${linkOrToken}" is neither a secret link nor a push token.`, EXIT.usage);
    const server = namedServer(options, config);
    if (!server) throw new CliError('Which server? Give the whole link, pass --server URL, set PASSDROP_SERVER, or run passdrop login.', EXIT.usage);
    link = { server, token: linkOrToken, linkSecret: undefined };
  }
  const server = await connectServer(link.server, { token: tokenFor(link.server, options, config), api: options.api ?? 'auto', onNotice: notice });
  return { server, link };
}
