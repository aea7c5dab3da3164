// Errors carry a stable code (for scripts and tests) and a sentence a person can act on.
export type ErrorCode =
  | 'not_found'
  | 'forbidden'
  | 'read_only'
  | 'invalid_transition'
  | 'required_fields'
  | 'bad_usage'
  | 'unknown_command'
  | 'invalid_value'
  | 'conflict'
  | 'config';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
