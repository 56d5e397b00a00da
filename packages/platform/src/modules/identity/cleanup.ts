import type { JobHandler } from '../../kernel/jobs.js';
import { getPolicy } from './policy.js';

/*
 * Nightly housekeeping. Sessions and captchas are otherwise only removed when someone presents
 * them, so abandoned ones would pile up. The login log is kept one year: the 网络安全法 asks for at
 * least six months of access logs.
 */

export const LOGIN_LOG_RETENTION_DAYS = 365;
export const CLEANUP_JOB = 'identity.cleanup';

export const cleanupJob: JobHandler = async (_job, { kernel, progress }) => {
  const db = kernel.db;
  const now = Date.now();
  const policy = await getPolicy(db);
  const idleBefore = new Date(now - policy.sessionIdleMinutes * 60_000);
  const sessions = await db
    .deleteFrom('identity_sessions')
    .where((eb) => eb.or([eb('expires_at', '<', new Date(now)), eb('last_seen_at', '<', idleBefore)]))
    .executeTakeFirst();
  await progress(1, 3, '已清理过期会话');
  const captchas = await db
    .deleteFrom('identity_captchas')
    .where((eb) => eb.or([eb('expires_at', '<', new Date(now)), eb('used_at', 'is not', null)]))
    .executeTakeFirst();
  await progress(2, 3, '已清理过期验证码');
  const log = await db
    .deleteFrom('identity_login_log')
    .where('created_at', '<', new Date(now - LOGIN_LOG_RETENTION_DAYS * 86_400_000))
    .executeTakeFirst();
  await progress(3, 3, '已清理超过保存期限的登录日志');
  return {
    sessions: Number(sessions.numDeletedRows),
    captchas: Number(captchas.numDeletedRows),
    loginLog: Number(log.numDeletedRows),
  };
};
