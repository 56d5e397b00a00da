import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  /** Where PGlite data, the generated secret key and uploaded files live. */
  dataDir: string;
  /** When set, PostgreSQL is used instead of the embedded PGlite. */
  databaseUrl?: string;
  /** Initial password of the seeded `admin` user (first start only). */
  adminPassword?: string;
  /** 32 hex characters: the SM4 key for personal data at rest. */
  secretKey: string;
  sessionIdleMinutes: number;
  logLevel: string;
  publicUrl: string;
  /** Number of concurrent job workers on this node (0 disables job processing). */
  jobConcurrency: number;
  /** Fastify trustProxy: true, a hop count, or addresses/CIDRs of the reverse proxies (JIYUE_TRUST_PROXY). */
  trustProxy: boolean | number | string;
}

export class ConfigError extends Error {}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

/**
 * The key is generated once and kept in the data directory so that encrypted columns stay readable
 * across restarts; operators who run several nodes must set JIYUE_SECRET_KEY on all of them instead.
 */
function resolveSecretKey(env: NodeJS.ProcessEnv, dataDir: string): string {
  const fromEnv = env.JIYUE_SECRET_KEY;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!HEX32.test(fromEnv))
      throw new ConfigError('JIYUE_SECRET_KEY must be 32 hexadecimal characters (a 128-bit SM4 key)');
    return fromEnv.toLowerCase();
  }
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (!HEX32.test(stored)) throw new ConfigError(`${file} does not hold a 32-hex-character key`);
    return stored.toLowerCase();
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(16).toString('hex');
  // 'wx' so that two nodes starting at once on a shared data dir never overwrite each other's key.
  try {
    writeFileSync(file, `${key}\n`, { flag: 'wx', mode: 0o600 });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim().toLowerCase();
    throw err;
  }
}

function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (!raw || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.JIYUE_DATA_DIR || env.DATA_DIR || 'data');
  const port = intFrom(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || '0.0.0.0';
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  return {
    port,
    host,
    dataDir,
    databaseUrl,
    adminPassword: env.JIYUE_ADMIN_PASSWORD || undefined,
    secretKey: resolveSecretKey(env, dataDir),
    sessionIdleMinutes: intFrom(env, 'JIYUE_SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    logLevel: env.LOG_LEVEL || 'info',
    publicUrl: (env.JIYUE_PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ''),
    jobConcurrency: intFrom(env, 'JIYUE_JOB_CONCURRENCY', 2, 0, 64),
    trustProxy: parseTrustProxy(env.JIYUE_TRUST_PROXY),
  };
}
