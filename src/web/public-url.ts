// The base URL of the web pages in links we mail: `mail.publicUrl` from the config (the mail
// bridge uses the same key for its acknowledgements), else http://localhost:PORT.
import type { Config } from '../config/schema.js';

export function publicUrlOf(config: Config, port: number): string {
  return (config.mail.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, '');
}
