import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SealImageError } from './errors.js';

export interface SerialNumberOptions {
  prefix?: string;
  /** Width of the zero-padded counter; default 6. */
  digits?: number;
  /** When set, the last issued number survives restarts and is shared by instances using the same file. */
  stateFile?: string;
  now?: () => Date;
}

interface SerialState {
  date: string;
  counter: number;
}

/**
 * 流水号: prefix + yyyyMMdd (local date) + counter that restarts at 1 every day. With a state file every call
 * re-reads the file, so several generators on one file continue each other's sequence; writes go to a temporary
 * file renamed over the old one, so a crash never leaves a torn state file. (Concurrent processes still need an
 * external lock: rename is atomic, read-modify-write is not.)
 */
export class SerialNumberGenerator {
  private readonly prefix: string;
  private readonly digits: number;
  private readonly stateFile?: string;
  private readonly now: () => Date;
  private state: SerialState = { date: '', counter: 0 };

  constructor(opts: SerialNumberOptions = {}) {
    this.prefix = opts.prefix ?? '';
    this.digits = opts.digits ?? 6;
    if (!/^[0-9A-Za-z_-]*$/.test(this.prefix))
      throw new SealImageError('INVALID_SERIAL_PREFIX', `流水号前缀只能包含字母、数字、- 和 _: ${this.prefix}`);
    if (!Number.isInteger(this.digits) || this.digits < 1 || this.digits > 12)
      throw new SealImageError('INVALID_SERIAL_DIGITS', `流水号位数须为 1–12: ${this.digits}`);
    this.stateFile = opts.stateFile;
    this.now = opts.now ?? (() => new Date());
  }

  next(): string {
    const date = formatDate(this.now());
    const current = this.stateFile ? readState(this.stateFile) : this.state;
    const counter = current.date === date ? current.counter + 1 : 1;
    if (counter >= 10 ** this.digits)
      throw new SealImageError('SERIAL_EXHAUSTED', `当日流水号已用尽 (${this.digits} 位)`);
    this.state = { date, counter };
    if (this.stateFile) writeStateAtomically(this.stateFile, this.state);
    return `${this.prefix}${date}${String(counter).padStart(this.digits, '0')}`;
  }
}

function formatDate(d: Date): string {
  return `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
}

function readState(file: string): SerialState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { date: '', counter: 0 };
    throw err;
  }
  let parsed: Partial<SerialState>;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = {};
  }
  const { date, counter } = parsed;
  if (typeof date !== 'string' || typeof counter !== 'number' || !Number.isInteger(counter)) {
    throw new SealImageError('SERIAL_STATE_CORRUPT', `流水号状态文件格式错误: ${file}`);
  }
  return { date, counter };
}

function writeStateAtomically(file: string, state: SerialState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}
