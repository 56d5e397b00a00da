import { hash, verify } from '@node-rs/argon2';
import type { Db, Tx } from '../../kernel/db.js';
import { badRequest } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type Ctx, writeCommand } from '../settings/context.js';
import type { CaptchaMode, PasswordPolicyRow } from './schema.js';
import { CHAR_CLASS_NAMES, type CharClass, hasClass } from './validators.js';

/* 口令策略: one row, edited by the 安全管理员. */

export interface PasswordPolicy {
  minLength: number;
  requiredClasses: CharClass[];
  /** Days until a password must be changed; 0 = never. */
  expiryDays: number;
  /** A new password may not equal any of the last N. */
  historyCount: number;
  /** Wrong passwords in a row before the account is locked. */
  maxFailures: number;
  lockoutMinutes: number;
  captchaMode: CaptchaMode;
  /** With captchaMode 'afterFailures': failures of a username before a captcha is required. */
  captchaAfterFailures: number;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /** Login attempts per minute from one IP address / for one username before 429. */
  loginLimitPerIp: number;
  loginLimitPerUsername: number;
}

export const DEFAULT_POLICY: PasswordPolicy = {
  minLength: 10,
  requiredClasses: ['lower', 'upper', 'digit'],
  expiryDays: 90,
  historyCount: 5,
  maxFailures: 5,
  lockoutMinutes: 15,
  captchaMode: 'afterFailures',
  captchaAfterFailures: 3,
  sessionIdleMinutes: 30,
  sessionMaxHours: 12,
  loginLimitPerIp: 30,
  loginLimitPerUsername: 10,
};

function fromRow(r: PasswordPolicyRow): PasswordPolicy {
  return {
    minLength: r.min_length,
    requiredClasses: r.required_classes as CharClass[],
    expiryDays: r.expiry_days,
    historyCount: r.history_count,
    maxFailures: r.max_failures,
    lockoutMinutes: r.lockout_minutes,
    captchaMode: r.captcha_mode,
    captchaAfterFailures: r.captcha_after_failures,
    sessionIdleMinutes: r.session_idle_minutes,
    sessionMaxHours: r.session_max_hours,
    loginLimitPerIp: r.login_limit_per_ip,
    loginLimitPerUsername: r.login_limit_per_username,
  };
}

function toRow(p: PasswordPolicy) {
  return {
    min_length: p.minLength,
    required_classes: JSON.stringify(p.requiredClasses),
    expiry_days: p.expiryDays,
    history_count: p.historyCount,
    max_failures: p.maxFailures,
    lockout_minutes: p.lockoutMinutes,
    captcha_mode: p.captchaMode,
    captcha_after_failures: p.captchaAfterFailures,
    session_idle_minutes: p.sessionIdleMinutes,
    session_max_hours: p.sessionMaxHours,
    login_limit_per_ip: p.loginLimitPerIp,
    login_limit_per_username: p.loginLimitPerUsername,
  };
}

export async function getPolicy(db: Db | Tx): Promise<PasswordPolicy> {
  const row = await db.selectFrom('identity_password_policy').selectAll().where('id', '=', 1).executeTakeFirst();
  return row ? fromRow(row as PasswordPolicyRow) : DEFAULT_POLICY;
}

export async function insertDefaultPolicy(tx: Tx, policy: PasswordPolicy): Promise<void> {
  await tx
    .insertInto('identity_password_policy')
    .values({ id: 1, ...toRow(policy) })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export function updatePolicy(kernel: Kernel, ctx: Ctx, policy: PasswordPolicy) {
  return writeCommand(kernel, ctx, async (tx) => {
    const before = await getPolicy(tx);
    await tx
      .insertInto('identity_password_policy')
      .values({ id: 1, ...toRow(policy), updated_at: new Date() })
      .onConflict((oc) => oc.column('id').doUpdateSet({ ...toRow(policy), updated_at: new Date() }))
      .execute();
    return {
      result: policy,
      audit: {
        action: 'update',
        resource: 'password-policy',
        summary: '修改口令策略',
        detail: { before, after: policy },
      },
    };
  });
}

// ───────────────────────── password hashing and rules ─────────────────────────

/** argon2id (the library's default algorithm) with its default cost (19 MiB, 2 passes). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(hashed: string, password: string): Promise<boolean> {
  try {
    return await verify(hashed, password);
  } catch {
    return false;
  }
}

/** A hash of a random string, verified against when the username is unknown so timing reveals nothing. */
let dummyHash: Promise<string> | null = null;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hash(`no-such-user-${Math.random()}`);
  return dummyHash;
}

/**
 * Checks a new password against the policy; throws 400 naming the first broken rule. `previous`
 * are the hashes of the current and earlier passwords (history).
 */
export async function assertPasswordAllowed(
  policy: PasswordPolicy,
  password: string,
  username: string,
  previous: string[] = [],
) {
  const field = 'password';
  if ([...password].length < policy.minLength) {
    throw badRequest('password_too_short', '口令长度不足', {
      detail: `口令至少 ${policy.minLength} 个字符`,
      errors: [{ field, message: `至少 ${policy.minLength} 个字符` }],
    });
  }
  const missing = policy.requiredClasses.filter((c) => !hasClass(password, c));
  if (missing.length) {
    const names = missing.map((c) => CHAR_CLASS_NAMES[c]).join('、');
    throw badRequest('password_missing_class', '口令缺少必需的字符类型', {
      detail: `口令还须包含：${names}`,
      errors: [{ field, message: `须包含${names}` }],
      extra: { missingClasses: missing },
    });
  }
  if (username && password.toLowerCase().includes(username.toLowerCase())) {
    throw badRequest('password_contains_username', '口令不能包含账号', {
      errors: [{ field, message: '不能包含账号' }],
    });
  }
  for (const old of previous.slice(0, Math.max(policy.historyCount, 1))) {
    if (await verifyPassword(old, password)) {
      throw badRequest('password_reused', '不能使用最近用过的口令', {
        detail: `新口令不能与最近 ${policy.historyCount} 次使用过的口令相同`,
        errors: [{ field, message: '最近用过' }],
      });
    }
  }
}

/** Current hash first, then history, newest first. */
export async function recentPasswordHashes(
  tx: Tx,
  userId: string,
  currentHash: string,
  historyCount: number,
): Promise<string[]> {
  if (historyCount <= 0) return [currentHash];
  const rows = await tx
    .selectFrom('identity_password_history')
    .select('password_hash')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .limit(historyCount)
    .execute();
  return [currentHash, ...rows.map((r) => r.password_hash)];
}

/** Stores a new password, keeping the old one in the history. */
export async function storePassword(
  tx: Tx,
  userId: string,
  oldHash: string | null,
  newHash: string,
  mustChange: boolean,
) {
  if (oldHash)
    await tx.insertInto('identity_password_history').values({ user_id: userId, password_hash: oldHash }).execute();
  await tx
    .updateTable('identity_users')
    .set({
      password_hash: newHash,
      // Epoch marks "must change at next login" (after a reset) regardless of the expiry setting.
      password_changed_at: mustChange ? new Date(0) : new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', userId)
    .execute();
}

export function isPasswordExpired(policy: PasswordPolicy, changedAt: Date): boolean {
  if (changedAt.getTime() === 0) return true;
  if (policy.expiryDays <= 0) return false;
  return Date.now() - changedAt.getTime() > policy.expiryDays * 86_400_000;
}
