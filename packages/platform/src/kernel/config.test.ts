import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'jiyue-config-'));

describe('loadConfig', () => {
  it('uses defaults and generates the secret key once into the data dir', () => {
    const dir = tmp();
    const a = loadConfig({ JIYUE_DATA_DIR: dir });
    expect(a).toMatchObject({ port: 8080, host: '0.0.0.0', dataDir: dir, sessionIdleMinutes: 30, trustProxy: false });
    expect(a.databaseUrl).toBeUndefined();
    expect(a.secretKey).toMatch(/^[0-9a-f]{32}$/);
    expect(readFileSync(path.join(dir, 'secret.key'), 'utf8').trim()).toBe(a.secretKey);
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(loadConfig({ JIYUE_DATA_DIR: dir }).secretKey).toBe(a.secretKey);
  });

  it('reads every setting from the environment', () => {
    const c = loadConfig({
      JIYUE_DATA_DIR: tmp(),
      PORT: '9000',
      HOST: '127.0.0.1',
      DATABASE_URL: 'postgres://u@db:5432/jiyue',
      JIYUE_SECRET_KEY: 'ABCDEF0123456789ABCDEF0123456789',
      JIYUE_ADMIN_PASSWORD: 'Init#2024pass',
      JIYUE_SESSION_IDLE_MINUTES: '15',
      LOG_LEVEL: 'warn',
      JIYUE_PUBLIC_URL: 'https://www.xinxiang.gov.cn/',
      JIYUE_JOB_CONCURRENCY: '4',
      JIYUE_TRUST_PROXY: '127.0.0.1',
    });
    expect(c).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      databaseUrl: 'postgres://u@db:5432/jiyue',
      secretKey: 'abcdef0123456789abcdef0123456789',
      adminPassword: 'Init#2024pass',
      sessionIdleMinutes: 15,
      logLevel: 'warn',
      publicUrl: 'https://www.xinxiang.gov.cn',
      jobConcurrency: 4,
      trustProxy: '127.0.0.1',
    });
  });

  it('rejects bad values with a message naming the variable', () => {
    const dir = tmp();
    expect(() => loadConfig({ JIYUE_DATA_DIR: dir, PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ JIYUE_DATA_DIR: dir, PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ JIYUE_DATA_DIR: dir, JIYUE_SECRET_KEY: 'abc' })).toThrow(/JIYUE_SECRET_KEY/);
    expect(() => loadConfig({ JIYUE_DATA_DIR: dir, DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });
});
