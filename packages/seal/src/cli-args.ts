/**
 * Argument helpers shared by the PDF and OFD halves of `jiyue-seal`: one usage error (exit 2 with
 * the usage text) and one way to read required and numeric flags.
 */
export class UsageError extends Error {}

export function need(v: string | undefined, flag: string): string {
  if (v === undefined || v === '') throw new UsageError(`缺少参数 --${flag} (missing --${flag})`);
  return v;
}

export function num(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} 须为数字 (--${flag} must be a number): ${v}`);
  return n;
}
