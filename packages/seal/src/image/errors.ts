/** Error with a stable machine-readable code, so callers (CLI, HTTP service) can map it without parsing messages. */
export class SealImageError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SealImageError';
    this.code = code;
  }
}
