import { sql } from 'kysely';
import { ConfigError, loadConfig } from './kernel/config.js';

// The server, the database drivers and the modules are imported by the commands that need them,
// so `help` and configuration errors answer at once.
async function loadRuntime() {
  const [{ AuditLog }, { openDatabase }, { migrateAll }, { modules }] = await Promise.all([
    import('./kernel/audit.js'),
    import('./kernel/db.js'),
    import('./kernel/kernel.js'),
    import('./modules/index.js'),
  ]);
  return { AuditLog, openDatabase, migrateAll, modules };
}

const USAGE = `用法: jiyue <命令>

命令:
  start         启动服务（应用迁移、首次启动时初始化数据、监听 PORT）
  migrate       只应用数据库迁移，然后退出
  audit:check   校验审计日志哈希链；链断裂时以非零状态退出
  appoint <账号> <sysadmin|secadmin|auditor>
                任命内置管理员（三权分立：安全管理员、审计管理员只能由运维人员在服务器上任命）
  help          显示本帮助
`;

async function migrateCommand(): Promise<number> {
  const config = loadConfig(process.env);
  const { openDatabase, migrateAll, modules } = await loadRuntime();
  const database = await openDatabase(config);
  try {
    const applied = await migrateAll(database.db, modules);
    if (applied.length === 0) console.log('数据库已是最新，无需迁移。');
    for (const m of applied) console.log(`已应用迁移 ${m.module}/${m.name}`);
    return 0;
  } finally {
    await database.close();
  }
}

async function auditCheckCommand(): Promise<number> {
  const config = loadConfig(process.env);
  const { AuditLog, openDatabase } = await loadRuntime();
  const database = await openDatabase(config);
  try {
    // A check must not change the database, so a database without the table is reported, not migrated.
    const { rows } = await sql<{ t: string | null }>`select to_regclass('audit_log')::text as t`.execute(database.db);
    if (!rows[0]?.t) {
      console.error('没有审计日志表：数据库尚未初始化（先运行 jiyue migrate 或 jiyue start）。');
      return 1;
    }
    const result = await new AuditLog(database.db).verify();
    console.log(JSON.stringify(result));
    if (result.ok) {
      console.log(`审计日志完整：共校验 ${result.checked} 条记录。`);
      return 0;
    }
    console.error(`审计日志在第 ${result.brokenAt} 条记录处断裂：${result.reason}`);
    return 3;
  } finally {
    await database.close();
  }
}

/**
 * 三权分立 leaves no administrator able to hand out the 安全管理员 or 审计管理员 role, so an
 * operator with access to the server appoints them here (audited as 系统).
 */
async function appointCommand(username: string | undefined, role: string | undefined): Promise<number> {
  if (!username || !role) {
    console.error(`用法: jiyue appoint <账号> <sysadmin|secadmin|auditor>`);
    return 2;
  }
  const config = loadConfig(process.env);
  const { openDatabase, migrateAll, modules } = await loadRuntime();
  const [{ createKernel }, { appointAdministrator }, { default: pino }] = await Promise.all([
    import('./kernel/kernel.js'),
    import('./modules/identity/index.js'),
    import('pino'),
  ]);
  const database = await openDatabase(config);
  try {
    await migrateAll(database.db, modules);
    const kernel = createKernel({
      config,
      db: database.db,
      dbKind: database.kind,
      log: pino({ level: 'warn' }),
      modules: [...modules],
    });
    const result = await appointAdministrator(kernel, username, role);
    console.log(`已任命 ${result.username} 为 ${result.role}。`);
    return 0;
  } catch (err) {
    const problem = err as { title?: string; detail?: string };
    if (problem.title) {
      console.error(`任命失败: ${problem.title}${problem.detail ? `（${problem.detail}）` : ''}`);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'help';
  switch (command) {
    case 'start': {
      const config = loadConfig(process.env);
      const { start } = await import('./main.js');
      await start(config);
      return -1;
    }
    case 'migrate':
      return migrateCommand();
    case 'audit:check':
      return auditCheckCommand();
    case 'appoint':
      return appointCommand(argv[1], argv[2]);
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`未知命令: ${command}\n\n${USAGE}`);
      return 2;
  }
}

try {
  const code = await run(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`配置错误: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
}
