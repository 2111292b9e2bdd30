import type { ApiClient } from './client.js';

/** What every command gets: its arguments, output streams and (lazily) an API client. */
export interface CliContext {
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Logged-in client (DEVFLOW_URL/DEVFLOW_TOKEN or the config file). */
  client(): Promise<ApiClient>;
  /** Where `devflow login` stores url + token. */
  configPath: string;
  /** Reads all of standard input (for --password-stdin). */
  readStdin(): Promise<string>;
  /** Asks on the terminal without echo; null when there is no terminal. */
  promptSecret(question: string): Promise<string | null>;
  fetchImpl: typeof fetch;
}

export interface Command {
  /** One line for the help text. */
  usage: string;
  run(args: string[], ctx: CliContext): Promise<number>;
}
