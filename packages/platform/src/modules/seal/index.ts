import type { JiyueModule } from '../../kernel/module.js';
import { BATCH_JOB, batchJob } from './batch.js';
import { onInstanceEnded } from './requests.js';
import { registerSealRoutes, type SealServiceOptions } from './routes.js';
import { sealMigrations } from './schema.js';
import { seedSeal } from './seed.js';

const G = '电子印章';
export const SEAL_PERMISSIONS = [
  { code: 'seal-image:read', name: '查看印模', group: G },
  { code: 'seal-image:manage', name: '管理印模', group: G },
  { code: 'seal-key:read', name: '查看密钥与证书', group: G },
  { code: 'seal-key:manage', name: '管理密钥与证书', group: G },
  { code: 'seal:read', name: '查看印章', group: G },
  { code: 'seal:manage', name: '管理印章', group: G },
  { code: 'seal-authorization:manage', name: '用章授权', group: G },
  { code: 'seal-record:read', name: '查看全部签章记录', group: G },
  { code: 'seal:sign', name: '调用签章接口', group: G },
];

/** Maximum document size from JIYUE_SEAL_MAX_FILE_MB (default 50 MB). */
export function maxFileBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.JIYUE_SEAL_MAX_FILE_MB ?? 50);
  if (!Number.isFinite(mb) || mb <= 0 || mb > 2048)
    throw new Error('JIYUE_SEAL_MAX_FILE_MB must be between 1 and 2048');
  return Math.round(mb * 1024 * 1024);
}

/** 电子印章服务 around packages/seal: seal images, seals, keys, authorization, signing API, verification. */
export function createSealModule(options: Partial<SealServiceOptions> & { seed?: boolean } = {}): JiyueModule {
  return {
    name: 'seal',
    migrations: sealMigrations,
    permissions: SEAL_PERMISSIONS,
    routes: (app, kernel) =>
      registerSealRoutes(app, kernel, { maxFileBytes: options.maxFileBytes ?? maxFileBytesFromEnv() }),
    jobs: { [BATCH_JOB]: batchJob },
    // 用章审批: a seal-use instance withdrawn or terminated in the workflow console ends its request.
    events: { 'workflow.instance.completed': onInstanceEnded },
    seed: options.seed === false ? undefined : seedSeal,
  };
}

export const sealModule: JiyueModule = createSealModule();
