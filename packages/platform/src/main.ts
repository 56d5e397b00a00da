import { buildApp } from './kernel/app.js';
import { type Config, ConfigError, loadConfig } from './kernel/config.js';
import { modules } from './modules/index.js';

/**
 * Starts one server node: open the database, apply migrations, seed a fresh installation, listen,
 * then start the background workers. Several nodes may run against one PostgreSQL.
 */
export async function start(config: Config) {
  // Handlers go in before anything else: a signal that arrives while migrations write to PGlite
  // must wait for them instead of killing the process half-way through a write.
  let closing = false;
  let started: Awaited<ReturnType<typeof buildApp>> | null = null;
  const startup = (async () => {
    const built = await buildApp({ config, modules });
    started = built;
    return built;
  })();
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    try {
      const { app } = started ?? (await startup);
      app.log.info({ signal }, 'shutting down');
      await app.close();
      process.exit(0);
    } catch (err) {
      console.error('shutdown failed', err);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const { app, kernel } = await startup;
  if (closing) return { app, kernel };
  await app.listen({ port: config.port, host: config.host });
  kernel.events.start();
  kernel.jobs.start(config.jobConcurrency);
  app.log.info({ db: kernel.dbKind, dataDir: config.dataDir, modules: modules.map((m) => m.name) }, 'jiyue started');
  return { app, kernel };
}

async function main() {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`配置错误: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  try {
    await start(config);
  } catch (err) {
    console.error('启动失败:', err);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/src/main.ts')) {
  await main();
}
