import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { type Database, openPglite, openPostgres, pgliteClientOf } from './db.js';
import type { EventBusOptions } from './events.js';
import type { JobQueueOptions } from './jobs.js';
import type { Kernel } from './kernel.js';
import type { JiyueModule } from './module.js';

export interface TestApp {
  app: FastifyInstance;
  kernel: Kernel;
  /** Closes the app and drops the private database and data directory. */
  close(): Promise<void>;
}

export interface TestDatabase extends Database {
  /** Database name on the PostgreSQL server, when DATABASE_URL is set. */
  name?: string;
}

function adminUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

const PGLITE_VERSION: string = JSON.parse(
  readFileSync(
    path.join(path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), '..', 'package.json'),
    'utf8',
  ),
).version;

/**
 * A fresh in-memory PGlite. initdb takes seconds (far more on a busy machine), so the first
 * test process saves a dump of an empty cluster in the temp dir and later ones start from it.
 */
async function freshPglite(): Promise<Database> {
  const template = path.join(tmpdir(), `jiyue-pglite-${PGLITE_VERSION}-${process.getuid?.() ?? 0}.tar`);
  if (existsSync(template)) {
    try {
      return await openPglite(undefined, new Blob([readFileSync(template)]));
    } catch {
      rmSync(template, { force: true });
    }
  }
  const database = await openPglite();
  const client = pgliteClientOf(database.db);
  if (client) {
    const dump = await client.dumpDataDir('none');
    const partial = `${template}.${process.pid}.tmp`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    // Rename is atomic: a concurrent reader sees no file or a whole one, never half a dump.
    renameSync(partial, template);
  }
  return database;
}

/**
 * A database nobody else uses: in-memory PGlite, or — when DATABASE_URL names a server — a new
 * database created there and dropped when closed, so test files can run in parallel.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return freshPglite();
  const name = `jiyue_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl(serverUrl) });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openPostgres(url.toString(), 5);
  return {
    ...database,
    name,
    async close() {
      await database.close();
      const dropper = new pg.Client({ connectionString: adminUrl(serverUrl) });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir: mkdtempSync(path.join(tmpdir(), 'jiyue-test-')),
    secretKey: randomBytes(16).toString('hex'),
    sessionIdleMinutes: 30,
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    publicUrl: 'http://localhost',
    jobConcurrency: 0,
    trustProxy: false,
    ...overrides,
  };
}

export interface CreateTestAppOptions {
  modules?: JiyueModule[];
  config?: Partial<Config>;
  jobs?: JobQueueOptions;
  events?: EventBusOptions;
  /** Run module seeds (default true). */
  seed?: boolean;
  adminDist?: string;
}

/**
 * A fully built app (migrations applied, seeds run) on a private database. Job workers and the
 * event dispatcher are not started: tests drive them with `kernel.jobs.runUntilIdle()` and
 * `kernel.events.deliverDue()`, so nothing runs behind the test's back.
 */
export async function createTestApp(options: CreateTestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig(options.config);
  try {
    const { app, kernel } = await buildApp({
      config,
      modules: options.modules ?? [],
      database,
      seed: options.seed,
      jobs: { backoffBaseMs: 50, pollMs: 50, ...options.jobs },
      events: { retryBaseMs: 50, ...options.events },
      adminDist: options.adminDist,
    });
    return {
      app,
      kernel,
      async close() {
        await app.close();
        await database.close();
        rmSync(config.dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await database.close().catch(() => {});
    rmSync(config.dataDir, { recursive: true, force: true });
    throw err;
  }
}

export interface Session {
  /** Value for the `cookie` request header (session + CSRF cookies). */
  cookie: string;
  /** Value for the `x-csrf-token` request header on non-GET requests. */
  csrf: string;
  headers: { cookie: string; 'x-csrf-token': string };
  body: any;
}

/** Logs in through the real login endpoint (identity module) and returns what a browser would hold. */
export async function loginAs(
  app: FastifyInstance,
  username: string,
  password: string,
  extra: Record<string, unknown> = {},
): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, ...extra } });
  if (res.statusCode !== 200) {
    throw new Error(`login as ${username} failed: ${res.statusCode} ${res.body}`);
  }
  const cookies = res.cookies.map((c) => `${c.name}=${c.value}`);
  const csrf = res.cookies.find((c) => c.name === 'jiyue_csrf')?.value ?? res.json().csrfToken;
  const cookie = cookies.join('; ');
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf }, body: res.json() };
}
