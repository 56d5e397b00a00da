import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import svgCaptcha from 'svg-captcha';
import type { Db, Tx } from '../../kernel/db.js';
import { AppError, badRequest, tooManyRequests, unauthorized } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { grantsOf } from './grants.js';
import { dummyPasswordHash, getPolicy, isPasswordExpired, type PasswordPolicy, verifyPassword } from './policy.js';
import { isAdminRole } from './roles.js';
import type { UserRow } from './schema.js';
import { createSession, type NewSession } from './sessions.js';

/*
 * 统一用户认证: the login flow. Every attempt, whatever its outcome, leaves one row in the login
 * log; that log also drives the rate limit and the "captcha after N failures" rule, so both work
 * across several nodes without shared memory.
 */

export interface LoginInput {
  username: string;
  password: string;
  captchaId?: string;
  captcha?: string;
  otp?: string;
  enrolSecret?: string;
}

export interface Client {
  ip: string | null;
  userAgent: string | null;
}

const CAPTCHA_TTL_MS = 5 * 60_000;
const TOTP_ISSUER = '集约平台';

/** Failures that count towards the captcha rule (not rate-limit or captcha rejections themselves). */
const CREDENTIAL_FAILURES = ['invalid_credentials', 'otp_invalid', 'account_locked'];

async function logAttempt(
  db: Db | Tx,
  username: string,
  userId: string | null,
  success: boolean,
  reason: string | null,
  client: Client,
) {
  await db
    .insertInto('identity_login_log')
    .values({
      username: username.slice(0, 100),
      user_id: userId,
      success,
      reason,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 500) ?? null,
    })
    .execute();
}

async function attemptsSince(db: Db, column: 'ip' | 'username', value: string, since: Date): Promise<number> {
  const target = column === 'ip' ? sql`ip` : sql`lower(username)`;
  const row = await db
    .selectFrom('identity_login_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(target, '=', column === 'ip' ? value : value.toLowerCase())
    .where('created_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function enforceRateLimit(db: Db, policy: PasswordPolicy, username: string, client: Client) {
  const since = new Date(Date.now() - 60_000);
  const byIp = client.ip ? await attemptsSince(db, 'ip', client.ip, since) : 0;
  const byUser = await attemptsSince(db, 'username', username, since);
  if (byIp >= policy.loginLimitPerIp || byUser >= policy.loginLimitPerUsername) {
    await logAttempt(db, username, null, false, 'rate_limited', client);
    throw tooManyRequests(60, { detail: '登录尝试过于频繁，请 1 分钟后再试' });
  }
}

/** Consecutive credential failures of a username (since its last success, within a day). */
async function recentFailures(db: Db, username: string): Promise<number> {
  const lower = username.toLowerCase();
  const row = await db
    .selectFrom('identity_login_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(sql`lower(username)`, '=', lower)
    .where('success', '=', false)
    .where('reason', 'in', CREDENTIAL_FAILURES)
    .where('created_at', '>', new Date(Date.now() - 86_400_000))
    .where(({ eb, selectFrom }) =>
      eb(
        'created_at',
        '>',
        selectFrom('identity_login_log')
          .select(sql<Date>`coalesce(max(created_at), '-infinity'::timestamptz)`.as('t'))
          .where(sql`lower(username)`, '=', lower)
          .where('success', '=', true),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function captchaRequired(db: Db, policy: PasswordPolicy, username: string | undefined): Promise<boolean> {
  if (policy.captchaMode === 'always') return true;
  if (policy.captchaMode === 'off' || !username) return false;
  return (await recentFailures(db, username)) >= policy.captchaAfterFailures;
}

export function captchaHash(kernel: Kernel, answer: string) {
  return kernel.crypto.sm3(`captcha:${answer.trim().toLowerCase()}`);
}

/** `GET /api/auth/captcha`: a fresh SVG captcha when one is required for this username. */
export async function issueCaptcha(kernel: Kernel, username: string | undefined) {
  const policy = await getPolicy(kernel.db);
  if (!(await captchaRequired(kernel.db, policy, username))) return { required: false };
  const { text, data } = svgCaptcha.create({ size: 4, noise: 2, ignoreChars: '0oO1iIlL', background: '#f5f7fa' });
  const id = kernel.crypto.randomToken(16);
  await kernel.db
    .insertInto('identity_captchas')
    .values({ id, answer_hash: captchaHash(kernel, text), expires_at: new Date(Date.now() + CAPTCHA_TTL_MS) })
    .execute();
  // Expired captchas are swept here rather than by a job: issuing is the only thing that creates them.
  await kernel.db
    .deleteFrom('identity_captchas')
    .where('expires_at', '<', new Date(Date.now() - CAPTCHA_TTL_MS))
    .execute();
  return { required: true, id, svg: data };
}

/** Single use: the row is marked used whether the answer was right or not. */
async function consumeCaptcha(kernel: Kernel, id: string | undefined, answer: string | undefined) {
  if (!id || !answer) throw badRequest('captcha_required', '请输入验证码');
  const row = await kernel.db
    .updateTable('identity_captchas')
    .set({ used_at: new Date() })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .returning('answer_hash')
    .executeTakeFirst();
  if (!row || row.answer_hash !== captchaHash(kernel, answer)) {
    throw badRequest('captcha_invalid', '验证码错误或已过期', { detail: '请刷新验证码后重新输入' });
  }
}

function totpFor(username: string, base32: string) {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label: username,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(base32),
  });
}

/** Time step of a valid code, or null. Codes of a step already used are refused (no replay). */
export function checkOtp(username: string, base32: string, otp: string, lastStep: number | null): number | null {
  const delta = totpFor(username, base32).validate({ token: otp, window: 1 });
  if (delta === null) return null;
  const step = Math.floor(Date.now() / 30_000) + delta;
  return lastStep !== null && step <= lastStep ? null : step;
}

async function enrolmentOffer(username: string, base32: string) {
  const otpauthUrl = totpFor(username, base32).toString();
  const qrSvg = await QRCode.toString(otpauthUrl, { type: 'svg', margin: 1 });
  return { secret: base32, otpauthUrl, qrSvg };
}

class LoginFailure extends Error {
  constructor(
    readonly error: AppError,
    readonly userId: string | null,
  ) {
    super(error.code);
  }
}

/**
 * The same answer for an unknown account and a wrong password, so the reply never tells an
 * attacker which accounts exist; the lockout rule is stated instead of a per-account countdown.
 */
const invalidCredentials = (policy: PasswordPolicy) =>
  new AppError(401, 'invalid_credentials', '账号或口令错误', {
    detail: `连续 ${policy.maxFailures} 次登录失败将锁定账号 ${policy.lockoutMinutes} 分钟`,
  });

function lockedError(until: Date) {
  return new AppError(423, 'account_locked', '账号已锁定', {
    detail: `连续登录失败次数过多，账号锁定至 ${until.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })}`,
    extra: { lockedUntil: until.toISOString() },
  });
}

/** Counts a wrong password or code; the Nth in a row locks the account for the policy's minutes. */
async function registerFailure(
  kernel: Kernel,
  policy: PasswordPolicy,
  user: UserRow,
  error: AppError,
): Promise<AppError> {
  // Incremented in SQL, so parallel wrong guesses cannot each read the same count.
  const { failed_attempts: failures } = await kernel.db
    .updateTable('identity_users')
    .set({ failed_attempts: sql`failed_attempts + 1` })
    .where('id', '=', user.id)
    .returning('failed_attempts')
    .executeTakeFirstOrThrow();
  if (failures >= policy.maxFailures) {
    const until = new Date(Date.now() + policy.lockoutMinutes * 60_000);
    await kernel.db
      .updateTable('identity_users')
      .set({ failed_attempts: 0, locked_until: until })
      .where('id', '=', user.id)
      .execute();
    return lockedError(until);
  }
  return error;
}

async function secondFactor(
  kernel: Kernel,
  policy: PasswordPolicy,
  user: UserRow,
  input: LoginInput,
): Promise<number | null> {
  if (user.totp_secret_enc) {
    if (!input.otp) throw new LoginFailure(unauthorized('otp_required', '请输入动态口令'), user.id);
    const step = checkOtp(
      user.username,
      kernel.crypto.sm4Decrypt(user.totp_secret_enc),
      input.otp,
      user.totp_last_step,
    );
    if (step === null)
      throw new LoginFailure(
        await registerFailure(kernel, policy, user, unauthorized('otp_invalid', '动态口令错误')),
        user.id,
      );
    await kernel.db.updateTable('identity_users').set({ totp_last_step: step }).where('id', '=', user.id).execute();
    return step;
  }
  const grants = await grantsOf(kernel.db, [user.id]);
  if (!grants.some((g) => isAdminRole(g.code))) return null;
  // Administrators must enrol: the pending secret is kept server-side, the client only echoes it.
  let pending = user.totp_pending_enc ? kernel.crypto.sm4Decrypt(user.totp_pending_enc) : null;
  if (!input.otp || !pending) {
    if (!pending) {
      pending = new Secret({ size: 20 }).base32;
      await kernel.db
        .updateTable('identity_users')
        .set({ totp_pending_enc: kernel.crypto.sm4Encrypt(pending) })
        .where('id', '=', user.id)
        .execute();
    }
    const enrolment = await enrolmentOffer(user.username, pending);
    throw new LoginFailure(
      new AppError(428, 'otp_enrolment_required', '管理员账号须先绑定动态口令', {
        detail: '请用身份验证器 App 扫描二维码，然后输入 6 位动态口令完成绑定',
        extra: { enrolment },
      }),
      user.id,
    );
  }
  if (input.enrolSecret && input.enrolSecret !== pending) {
    throw new LoginFailure(badRequest('otp_enrolment_stale', '绑定信息已过期，请重新扫描二维码'), user.id);
  }
  const step = checkOtp(user.username, pending, input.otp, null);
  if (step === null)
    throw new LoginFailure(
      await registerFailure(kernel, policy, user, unauthorized('otp_invalid', '动态口令错误')),
      user.id,
    );
  await kernel.db
    .updateTable('identity_users')
    .set({ totp_secret_enc: kernel.crypto.sm4Encrypt(pending), totp_pending_enc: null, totp_last_step: step })
    .where('id', '=', user.id)
    .execute();
  return step;
}

async function findLoginUser(db: Db, username: string): Promise<(UserRow & { org_status: string | null }) | undefined> {
  return (await db
    .selectFrom('identity_users as u')
    .leftJoin('identity_orgs as o', 'o.id', 'u.org_id')
    .selectAll('u')
    .select('o.status as org_status')
    .where(sql`lower(u.username)`, '=', username.toLowerCase())
    .where('u.status', '<>', 'deleted')
    .executeTakeFirst()) as (UserRow & { org_status: string | null }) | undefined;
}

async function authenticate(kernel: Kernel, policy: PasswordPolicy, input: LoginInput): Promise<UserRow> {
  const user = await findLoginUser(kernel.db, input.username);
  if (!user) {
    await verifyPassword(await dummyPasswordHash(), input.password);
    throw new LoginFailure(invalidCredentials(policy), null);
  }
  if (user.locked_until && user.locked_until.getTime() > Date.now())
    throw new LoginFailure(lockedError(user.locked_until), user.id);
  if (!(await verifyPassword(user.password_hash, input.password))) {
    throw new LoginFailure(await registerFailure(kernel, policy, user, invalidCredentials(policy)), user.id);
  }
  if (user.status === 'disabled') throw new LoginFailure(new AppError(403, 'account_disabled', '账号已停用'), user.id);
  if (user.org_status === 'disabled')
    throw new LoginFailure(new AppError(403, 'org_disabled', '所属机构已停用'), user.id);
  await secondFactor(kernel, policy, user, input);
  return user;
}

export interface LoginResult {
  session: NewSession;
  user: { id: string; username: string; displayName: string; orgId: string; passwordExpired: boolean };
}

export async function login(kernel: Kernel, input: LoginInput, client: Client): Promise<LoginResult> {
  const policy = await getPolicy(kernel.db);
  await enforceRateLimit(kernel.db, policy, input.username, client);
  try {
    if (await captchaRequired(kernel.db, policy, input.username))
      await consumeCaptcha(kernel, input.captchaId, input.captcha);
    const user = await authenticate(kernel, policy, input);
    const session = await kernel.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('identity_users')
        .set({ failed_attempts: 0, locked_until: null, last_login_at: new Date() })
        .where('id', '=', user.id)
        .execute();
      await logAttempt(tx, input.username, user.id, true, null, client);
      return createSession(kernel, tx, user.id, policy, client);
    });
    return {
      session,
      user: {
        id: user.id,
        username: user.username,
        displayName: user.display_name,
        orgId: user.org_id,
        passwordExpired: isPasswordExpired(policy, user.password_changed_at),
      },
    };
  } catch (err) {
    const failure = err instanceof LoginFailure ? err : null;
    const error = failure?.error ?? (err instanceof AppError ? err : null);
    if (!error) throw err;
    await logAttempt(kernel.db, input.username, failure?.userId ?? null, false, error.code, client);
    throw error;
  }
}
