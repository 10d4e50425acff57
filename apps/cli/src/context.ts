import { createNetAutoClient, type ClientOptions, type NetAutoClient } from '@netauto/client';
import { configPath, readConfig, type ConfigFile } from './config.js';
import type { CliEnv } from './env.js';
import { CliError, UsageError } from './errors.js';
import { Output } from './output.js';

/** The options every command takes. */
export interface GlobalOptions {
  url?: string | undefined;
  token?: string | undefined;
  json?: boolean | undefined;
  debug?: boolean | undefined;
}

export const VERSION = '0.1.0';
export const USER_AGENT = `netauto-cli/${VERSION}`;

/** Checks a server URL given by the user: http(s), a host, nothing else. */
export function normalizeUrl(url: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `${from} "${url}" is not a URL: give one like http://netauto.example.net:3000`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`${from} must start with http:// or https://`);
  }
  if (parsed.username || parsed.password) {
    throw new UsageError(`${from} must not hold a user or password: use netauto login`);
  }
  return parsed.toString().replace(/\/+$/, '');
}

/** One invocation: its options, its config file, its output and its client. */
export class Context {
  readonly out: Output;
  readonly configFile: string;
  private config: ConfigFile | undefined;

  constructor(
    readonly env: CliEnv,
    readonly globals: GlobalOptions,
  ) {
    this.out = new Output(globals.json === true, env);
    this.configFile = configPath(env);
  }

  get json(): boolean {
    return this.globals.json === true;
  }

  async loadConfig(): Promise<ConfigFile> {
    this.config ??= await readConfig(this.configFile);
    return this.config;
  }

  /** The server: --url, then NETAUTO_URL, then the config file. */
  async server(): Promise<{ url: string; from: 'flag' | 'env' | 'config' } | undefined> {
    if (this.globals.url) return { url: normalizeUrl(this.globals.url, '--url'), from: 'flag' };
    if (this.env.NETAUTO_URL) {
      return { url: normalizeUrl(this.env.NETAUTO_URL, 'NETAUTO_URL'), from: 'env' };
    }
    const config = await this.loadConfig();
    if (config.url) return { url: normalizeUrl(config.url, this.configFile), from: 'config' };
    return undefined;
  }

  async serverUrl(): Promise<string> {
    const server = await this.server();
    if (!server) {
      throw new UsageError('no server given: run `netauto login`, pass --url or set NETAUTO_URL');
    }
    return server.url;
  }

  /**
   * The token: --token, then NETAUTO_TOKEN, then the config file's, which is only sent
   * to the server it was made for.
   */
  async token(url: string): Promise<string | undefined> {
    if (this.globals.token) return this.globals.token;
    if (this.env.NETAUTO_TOKEN) return this.env.NETAUTO_TOKEN;
    const config = await this.loadConfig();
    if (config.token && config.url && normalizeUrl(config.url, this.configFile) === url) {
      return config.token;
    }
    return undefined;
  }

  /** A client with no identity yet (for login). */
  anonymousClient(url: string, fetch?: typeof globalThis.fetch): NetAutoClient {
    return createNetAutoClient({ url, fetch, headers: { 'user-agent': USER_AGENT } });
  }

  /** A client for this server with this token. */
  clientFor(url: string, token: string): NetAutoClient {
    return createNetAutoClient({ url, token, headers: { 'user-agent': USER_AGENT } });
  }

  private connectionCache: Promise<ClientOptions> | undefined;

  /** The server and token of a signed-in user, for the client and for output streams. */
  connection(): Promise<ClientOptions> {
    this.connectionCache ??= (async () => {
      const url = await this.serverUrl();
      const token = await this.token(url);
      if (!token) {
        throw new CliError(
          `not signed in to ${url}: run \`netauto login\`, pass --token or set NETAUTO_TOKEN`,
        );
      }
      return { url, token, headers: { 'user-agent': USER_AGENT } };
    })();
    return this.connectionCache;
  }

  private clientCache: Promise<NetAutoClient> | undefined;

  /** The client for commands that need a signed-in user. */
  client(): Promise<NetAutoClient> {
    this.clientCache ??= this.connection().then((c) => createNetAutoClient(c));
    return this.clientCache;
  }
}
