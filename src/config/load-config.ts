// Reads threaddesk.yaml (THREADDESK_CONFIG) or falls back to the built-in demo configuration.
import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { configSchema, type Config } from './schema.js';
import { DEMO_CONFIG } from './demo-config.js';

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null for the built-in demo. */
  source: string | null;
}

export function loadConfig(path = process.env.THREADDESK_CONFIG ?? './threaddesk.yaml'): LoadedConfig {
  const explicit = process.env.THREADDESK_CONFIG !== undefined;
  if (!existsSync(path)) {
    if (explicit) throw new DomainError('config', `THREADDESK_CONFIG points at ${path}, which does not exist.`);
    return { config: parseConfig(DEMO_CONFIG, 'built-in demo config'), source: null };
  }
  const doc = parseDocument(readFileSync(path, 'utf8'));
  if (doc.errors.length > 0) {
    throw new DomainError('config', `${path}: not valid YAML: ${doc.errors[0]?.message ?? 'parse error'}`);
  }
  return { config: parseConfig(doc.toJS(), path), source: path };
}

export function parseConfig(input: unknown, origin = 'config'): Config {
  const result = configSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new DomainError('config', `${origin} is invalid:\n${formatIssues(result.error.issues)}`);
}

function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const key = i.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
      return `  - ${key || '(top level)'}: ${i.message}`;
    })
    .join('\n');
}
