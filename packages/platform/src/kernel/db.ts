import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type RawBuilder,
  sql,
  type Transaction,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import type { Config } from './config.js';

export type Db = Kysely<any>;
export type Tx = Transaction<any>;
export type DbKind = 'pglite' | 'postgres';

export interface Database {
  db: Db;
  kind: DbKind;
  close(): Promise<void>;
}

/*
 * Both back ends must hand the same JavaScript types to module code, otherwise a query that works
 * on PGlite breaks on PostgreSQL. Chosen: int8 (count(*), bigserial) → number, date → 'YYYY-MM-DD'
 * string (no timezone shift), numeric → string (exact), timestamptz → Date, json/jsonb → parsed.
 */
const INT8 = 20;
const DATE = 1082;
const parseInt8 = (value: string) => Number(value);
const keepString = (value: string) => value;

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return parseInt8;
    if (oid === DATE) return keepString;
    return pg.types.getTypeParser(oid, format as any);
  },
};

/** A FIFO lock: PGlite has exactly one session, so a transaction must own it from BEGIN to COMMIT. */
class SessionLock {
  private tail: Promise<void> = Promise.resolve();

  acquire(timeoutMs: number): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.tail;
    this.tail = previous.then(() => held);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Give the slot up when it comes, so the queue keeps moving after this caller has failed.
        previous.then(release);
        reject(
          new Error(
            `PGlite session busy for ${timeoutMs} ms. A common cause is code inside ` +
              'db.transaction().execute(tx => …) that queries through `db` instead of `tx`.',
          ),
        );
      }, timeoutMs);
      previous.then(() => {
        clearTimeout(timer);
        resolve(release);
      });
    });
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly client: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Like node-postgres: without parameters the simple protocol runs, which allows several
    // statements in one string (migrations rely on that); with parameters, one prepared statement.
    if (compiled.parameters.length === 0) {
      const results = await this.client.exec(compiled.sql);
      const last = results[results.length - 1] as (typeof results)[number] & { command?: string };
      // Lets commitTransaction see that PostgreSQL answered COMMIT with ROLLBACK.
      if (last?.command === 'ROLLBACK' || last?.command === 'COMMIT')
        return { rows: [{ command: last.command }] as R[] };
      return {
        rows: (last?.rows ?? []) as R[],
        numAffectedRows: last?.affectedRows !== undefined ? BigInt(last.affectedRows) : undefined,
      };
    }
    const result = await this.client.query<R>(compiled.sql, [...compiled.parameters]);
    return {
      rows: result.rows,
      numAffectedRows: result.affectedRows !== undefined ? BigInt(result.affectedRows) : undefined,
    };
  }

  // biome-ignore lint/correctness/useYield: streaming is not supported on the embedded database.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streamQuery is not supported on PGlite; page through results instead');
  }
}

class PGliteDriver implements Driver {
  private readonly lock = new SessionLock();
  private readonly connection: PGliteConnection;
  private readonly releases = new WeakMap<DatabaseConnection, () => void>();

  constructor(
    private readonly client: PGlite,
    private readonly lockTimeoutMs: number,
  ) {
    this.connection = new PGliteConnection(client);
  }

  async init(): Promise<void> {
    await this.client.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.lock.acquire(this.lockTimeoutMs);
    // One shared connection object, so the release is keyed by a fresh wrapper per acquisition.
    const handle: DatabaseConnection = {
      executeQuery: (q) => this.connection.executeQuery(q),
      streamQuery: () => this.connection.streamQuery(),
    };
    this.releases.set(handle, release);
    return handle;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let statement = 'begin';
    if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode) statement += ` ${settings.accessMode}`;
    await connection.executeQuery(CompiledQuery.raw(statement));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const { rows } = await connection.executeQuery<{ command?: string }>(CompiledQuery.raw('commit'));
    // A statement failed earlier and its error was caught: PostgreSQL rolled everything back.
    // Like Kysely's PostgresDriver, report it instead of letting the caller believe it committed.
    if (rows[0]?.command === 'ROLLBACK') {
      const err = new Error('transaction was aborted by an earlier failed statement and has been rolled back');
      err.name = 'AbortedTransactionError';
      throw err;
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.releases.get(connection);
    this.releases.delete(connection);
    release?.();
  }

  async destroy(): Promise<void> {
    if (!this.client.closed) await this.client.close();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export class PGliteDialect implements Dialect {
  constructor(
    private readonly client: PGlite,
    private readonly lockTimeoutMs = 30_000,
  ) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver() {
    return new PGliteDriver(this.client, this.lockTimeoutMs);
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

const pgliteClients = new WeakMap<Db, PGlite>();

/** The PGlite instance behind a Kysely handle opened by openPglite (for dumps in tests). */
export function pgliteClientOf(db: Db): PGlite | undefined {
  return pgliteClients.get(db);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite files opened by two processes at once get corrupted (e.g. `jiyue migrate` while the
 * server runs), so the data directory is claimed with a pid file; a stale one is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lockFile, 'utf8'));
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new Error(`数据目录 ${dataDir} 正被进程 ${owner} 使用；PGlite 只允许一个进程打开，请先停止该进程`);
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`cannot lock ${dataDir}`);
}

/**
 * Opens PGlite; `dataDir` undefined means in memory (tests). `loadDataDir` starts from a dump made
 * by `dumpDataDir()` instead of running initdb (which is most of PGlite's start-up time).
 */
export async function openPglite(dataDir?: string, loadDataDir?: Blob): Promise<Database> {
  let unlock = () => {};
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    unlock = lockDataDir(dataDir);
  }
  // Options must go in the single-object form: PGlite ignores the second argument when the
  // first (dataDir) is undefined, i.e. for in-memory databases.
  // pg_trgm: the fuzzy title matching that search uses on PostgreSQL works the same here.
  const client = new PGlite({
    dataDir,
    loadDataDir,
    extensions: { pg_trgm },
    parsers: { [INT8]: parseInt8, [DATE]: keepString },
  });
  try {
    await client.waitReady;
  } catch (err) {
    unlock();
    throw err;
  }
  const db = new Kysely<any>({ dialect: new PGliteDialect(client, 60_000) });
  pgliteClients.set(db, client);
  let closed: Promise<void> | null = null;
  return {
    db,
    kind: 'pglite',
    close: () => {
      closed ??= db.destroy().finally(unlock);
      return closed;
    },
  };
}

// ---- prepared statements for hot paths ----

/** Marks a statement text as one to prepare (see `executePrepared`). */
const PREPARED_MARK = '/* prepared */ ';
/** Statements prepared per connection at most; past it, statements run unnamed as usual. */
const PREPARED_PER_CONNECTION = 256;

/**
 * Runs a query as a named prepared statement on PostgreSQL: parsed and planned once per pooled
 * connection instead of every time. For the few statements that run hundreds of times a second
 * (the workflow engine's lock-and-read and write-back), where parsing and planning were a third of
 * the server's work. Its text must come from code, not from data, so the set stays small (it is
 * capped per connection anyway). On PGlite it runs as any other query.
 */
export async function executePrepared<R>(
  db: Db | Tx,
  query: RawBuilder<R> | { compile(): CompiledQuery<R> },
): Promise<QueryResult<R>> {
  const compiled = 'isRawBuilder' in query ? query.compile(db) : query.compile();
  return db.executeQuery<R>(CompiledQuery.raw(PREPARED_MARK + compiled.sql, [...compiled.parameters]));
}

/** A pool whose clients run marked statements under a name derived from their text. */
function preparingPool(pool: pg.Pool) {
  const names = new WeakMap<pg.PoolClient, Set<string>>();
  return {
    async connect() {
      const client = await pool.connect();
      if (!names.has(client)) {
        const prepared = new Set<string>();
        names.set(client, prepared);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as any).query = (text: unknown, values?: unknown[]) => {
          if (typeof text !== 'string' || !text.startsWith(PREPARED_MARK)) return query(text, values);
          const name = `jy_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
          if (!prepared.has(name) && prepared.size >= PREPARED_PER_CONNECTION) return query(text, values);
          prepared.add(name);
          return query({ name, text, values });
        };
      }
      return client;
    },
    end: () => pool.end(),
  };
}

export async function openPostgres(connectionString: string, poolSize = 10): Promise<Database> {
  // JIT compilation pays off for long analytical queries, not for the short ones a web platform
  // runs; left on, it adds tens of milliseconds to any query the planner costs high.
  const pool = new pg.Pool({ connectionString, max: poolSize, types: pgTypes as any, options: '-c jit=off' });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: preparingPool(pool) as any }) });
  await sql`select 1`.execute(db);
  return { db, kind: 'postgres', close: () => db.destroy() };
}

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  return openPglite(path.join(config.dataDir, 'pg'));
}

/** Cheap liveness probe used by /healthz. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
