/**
 * Raised for input the toolkit refuses (wrong type, empty pattern, malformed dictionary line).
 * `code` is stable so callers (the platform's problem+json layer) can map it without parsing text.
 */
export class TextInputError extends TypeError {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'TextInputError';
    this.code = code;
  }
}

/** Throws a {@link TextInputError} unless `value` is a string. */
export function assertString(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new TextInputError('text.not_a_string', `${what} must be a string, got ${typeof value}`);
  }
}
