import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Session, TestApp } from '../../kernel/testing.js';
import type { Ctx } from '../settings/context.js';
import { captchaHash } from './login.js';
import { DEFAULT_POLICY, type PasswordPolicy, updatePolicy } from './policy.js';
import { DEMO_PASSWORD, identityTestApp, login, otpFor, rememberOtp } from './test-support.js';

/* 统一用户认证 through real HTTP: login, lockout, captcha, TOTP, CSRF, session limits, policy. */

const SYSTEM: Ctx = { principal: null, ip: null };
let t: TestApp;

beforeAll(async () => {
  t = await identityTestApp();
});
afterAll(async () => t?.close());

/** Generous limits by default, so only the tests about them hit them. */
async function policy(overrides: Partial<PasswordPolicy> = {}) {
  await updatePolicy(t.kernel, SYSTEM, {
    ...DEFAULT_POLICY,
    captchaMode: 'off',
    loginLimitPerIp: 1000,
    loginLimitPerUsername: 1000,
    ...overrides,
  });
  await t.kernel.db.deleteFrom('identity_login_log').execute();
}

function post(url: string, payload: object, s?: Session) {
  return t.app.inject({ method: 'POST', url, payload, headers: s?.headers });
}
const tryLogin = (username: string, password: string, extra: object = {}) =>
  post('/api/auth/login', { username, password, ...extra });
const get = (url: string, s?: Session) => t.app.inject({ method: 'GET', url, headers: s ? { cookie: s.cookie } : {} });

describe('login', () => {
  beforeEach(() => policy());

  it('sets an httpOnly SameSite=Lax session cookie and a readable CSRF cookie', async () => {
    const res = await tryLogin('jyj_editor', DEMO_PASSWORD);
    expect(res.statusCode).toBe(200);
    const sid = res.cookies.find((c) => c.name === 'jiyue_sid');
    const csrf = res.cookies.find((c) => c.name === 'jiyue_csrf');
    expect(sid).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(csrf?.httpOnly).toBeFalsy();
    expect(res.json()).toMatchObject({
      user: { username: 'jyj_editor', passwordExpired: false },
      csrfToken: csrf?.value,
    });
    // The token itself is never stored: only its SM3 digest.
    const stored = await t.kernel.db.selectFrom('identity_sessions').select('id').execute();
    expect(stored.map((r) => r.id)).not.toContain(sid?.value);
    expect(stored.map((r) => r.id)).toContain(t.kernel.crypto.sm3(sid?.value as string));
  });

  it('refuses a wrong password and an unknown user alike, and logs both', async () => {
    const wrong = await tryLogin('jyj_editor', 'Wrong-password-1');
    const unknown = await tryLogin('nobody', 'Wrong-password-1');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().code).toBe('invalid_credentials');
    expect(unknown.json().code).toBe('invalid_credentials');
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    const log = await t.kernel.db.selectFrom('identity_login_log').selectAll().orderBy('id').execute();
    expect(log.map((r) => [r.username, r.success, r.reason])).toEqual([
      ['jyj_editor', false, 'invalid_credentials'],
      ['nobody', false, 'invalid_credentials'],
    ]);
  });

  it('locks the account on the Nth wrong password for M minutes', async () => {
    await policy({ maxFailures: 3, lockoutMinutes: 10 });
    const first = (await tryLogin('jyj_reviewer', 'Wrong-password-1')).json();
    // An unknown account gets the very same answer, so replies do not reveal which accounts exist.
    const unknown = (await tryLogin('no_such_user', 'Wrong-password-1')).json();
    expect(first.detail).toBe('连续 3 次登录失败将锁定账号 10 分钟');
    expect(unknown).toEqual(first);
    await tryLogin('jyj_reviewer', 'Wrong-password-1');
    const third = await tryLogin('jyj_reviewer', 'Wrong-password-1');
    expect(third.statusCode).toBe(423);
    expect(third.json().code).toBe('account_locked');
    const until = new Date(third.json().lockedUntil).getTime();
    expect(until - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(until - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    // Even the right password is refused while locked.
    expect((await tryLogin('jyj_reviewer', DEMO_PASSWORD)).statusCode).toBe(423);
    // Once the lock has run out, the right password works again.
    await t.kernel.db
      .updateTable('identity_users')
      .set({ locked_until: new Date(Date.now() - 1000) })
      .where('username', '=', 'jyj_reviewer')
      .execute();
    expect((await tryLogin('jyj_reviewer', DEMO_PASSWORD)).statusCode).toBe(200);
  });

  it('lets the 安全管理员 unlock a locked account', async () => {
    await policy({ maxFailures: 1 });
    expect((await tryLogin('wjw_editor', 'Wrong-password-1')).statusCode).toBe(423);
    const sec = await login(t.app, 'secadmin');
    const user = await t.kernel.db
      .selectFrom('identity_users')
      .select('id')
      .where('username', '=', 'wjw_editor')
      .executeTakeFirstOrThrow();
    expect((await post(`/api/identity/users/${user.id}/unlock`, {}, sec)).statusCode).toBe(204);
    expect((await tryLogin('wjw_editor', DEMO_PASSWORD)).statusCode).toBe(200);
  });

  it('answers 429 when one username is tried too often within a minute', async () => {
    await policy({ loginLimitPerUsername: 3 });
    for (let i = 0; i < 3; i++) await tryLogin('jyj_admin', 'Wrong-password-1');
    const res = await tryLogin('jyj_admin', DEMO_PASSWORD);
    expect(res.statusCode).toBe(429);
    expect(res.json().code).toBe('rate_limited');
    expect(res.headers['retry-after']).toBe('60');
  });

  it('answers 429 when one IP address tries too often within a minute', async () => {
    await policy({ loginLimitPerIp: 2 });
    await tryLogin('a1', 'x');
    await tryLogin('a2', 'x');
    expect((await tryLogin('jyj_editor', DEMO_PASSWORD)).statusCode).toBe(429);
  });

  it('rejects unknown fields in the login body', async () => {
    const res = await tryLogin('jyj_editor', DEMO_PASSWORD, { remember: true });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: 'remember' }] });
  });
});

describe('captcha', () => {
  async function plantCaptcha(answer: string) {
    const id = `test-${Math.random()}`;
    await t.kernel.db
      .insertInto('identity_captchas')
      .values({ id, answer_hash: captchaHash(t.kernel, answer), expires_at: new Date(Date.now() + 60_000) })
      .execute();
    return id;
  }

  it('mode always: an SVG captcha, required, single use', async () => {
    await policy({ captchaMode: 'always' });
    const issued = (await get('/api/auth/captcha')).json();
    expect(issued.required).toBe(true);
    expect(issued.svg).toMatch(/^<svg/);
    expect((await tryLogin('jyj_editor', DEMO_PASSWORD)).json().code).toBe('captcha_required');
    // The issued answer is stored hashed, never in clear.
    const row = await t.kernel.db
      .selectFrom('identity_captchas')
      .selectAll()
      .where('id', '=', issued.id)
      .executeTakeFirstOrThrow();
    expect(row.answer_hash).toMatch(/^[0-9a-f]{64}$/);

    const id = await plantCaptcha('AB3d');
    expect((await tryLogin('jyj_editor', DEMO_PASSWORD, { captchaId: id, captcha: 'zzzz' })).json().code).toBe(
      'captcha_invalid',
    );
    // Used up by the wrong guess: the right answer no longer works with that id.
    expect((await tryLogin('jyj_editor', DEMO_PASSWORD, { captchaId: id, captcha: 'ab3d' })).json().code).toBe(
      'captcha_invalid',
    );
    const fresh = await plantCaptcha('AB3d');
    expect((await tryLogin('jyj_editor', DEMO_PASSWORD, { captchaId: fresh, captcha: 'ab3d' })).statusCode).toBe(200);
  });

  it('mode afterFailures: required only after N failures of that username', async () => {
    await policy({ captchaMode: 'afterFailures', captchaAfterFailures: 2 });
    expect((await get('/api/auth/captcha?username=wjw_admin')).json()).toEqual({ required: false });
    await tryLogin('wjw_admin', 'Wrong-password-1');
    await tryLogin('wjw_admin', 'Wrong-password-1');
    expect((await get('/api/auth/captcha?username=wjw_admin')).json().required).toBe(true);
    expect((await get('/api/auth/captcha?username=jyj_editor')).json().required).toBe(false);
    expect((await tryLogin('wjw_admin', DEMO_PASSWORD)).json().code).toBe('captcha_required');
    const id = await plantCaptcha('k7m2');
    expect((await tryLogin('wjw_admin', DEMO_PASSWORD, { captchaId: id, captcha: 'K7M2' })).statusCode).toBe(200);
  });

  it('mode off: never required', async () => {
    await policy({ captchaMode: 'off' });
    expect((await get('/api/auth/captcha?username=jyj_editor')).json()).toEqual({ required: false });
  });
});

describe('TOTP for administrators', () => {
  beforeEach(() => policy());

  it('enrols on first login with a QR code, then requires a fresh code every time', async () => {
    const first = await tryLogin('auditor', DEMO_PASSWORD);
    expect(first.statusCode).toBe(428);
    const { enrolment, code } = first.json();
    expect(code).toBe('otp_enrolment_required');
    expect(enrolment.qrSvg).toMatch(/^<svg/);
    expect(enrolment.otpauthUrl).toContain(`secret=${enrolment.secret}`);
    // The pending secret is kept encrypted on the server.
    const pending = await t.kernel.db
      .selectFrom('identity_users')
      .select(['totp_pending_enc', 'totp_secret_enc'])
      .where('username', '=', 'auditor')
      .executeTakeFirstOrThrow();
    expect(pending.totp_pending_enc).toMatch(/^sm4:1:/);
    expect(pending.totp_secret_enc).toBeNull();

    const badSecret = await tryLogin('auditor', DEMO_PASSWORD, {
      otp: otpFor(enrolment.secret),
      enrolSecret: 'JBSWY3DPEHPK3PXP',
    });
    expect(badSecret.json().code).toBe('otp_enrolment_stale');
    expect(
      (await tryLogin('auditor', DEMO_PASSWORD, { otp: '000000', enrolSecret: enrolment.secret })).json().code,
    ).toBe('otp_invalid');

    const step = Math.floor(Date.now() / 30_000);
    const enrolled = await tryLogin('auditor', DEMO_PASSWORD, {
      otp: otpFor(enrolment.secret, step),
      enrolSecret: enrolment.secret,
    });
    expect(enrolled.statusCode).toBe(200);

    expect((await tryLogin('auditor', DEMO_PASSWORD)).json().code).toBe('otp_required');
    // The same code cannot be replayed…
    expect((await tryLogin('auditor', DEMO_PASSWORD, { otp: otpFor(enrolment.secret, step) })).json().code).toBe(
      'otp_invalid',
    );
    // …but the next time step's code works.
    expect((await tryLogin('auditor', DEMO_PASSWORD, { otp: otpFor(enrolment.secret, step + 1) })).statusCode).toBe(
      200,
    );
    rememberOtp(t.app, 'auditor', enrolment.secret, step + 1);
  });

  it('does not ask users without an administrator role for a code', async () => {
    expect((await tryLogin('jyj_admin', DEMO_PASSWORD)).statusCode).toBe(200);
  });
});

describe('sessions', () => {
  beforeEach(() => policy());

  it('requires the CSRF header on writes and ends the session on logout', async () => {
    const s = await login(t.app, 'jyj_editor');
    expect((await get('/api/auth/me', s)).statusCode).toBe(200);
    const noHeader = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie: s.cookie } });
    expect(noHeader.statusCode).toBe(403);
    expect(noHeader.json().code).toBe('csrf_failed');
    const wrongHeader = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: s.cookie, 'x-csrf-token': 'forged' },
    });
    expect(wrongHeader.json().code).toBe('csrf_failed');
    // A CSRF cookie+header pair that does not belong to the session is refused too.
    const planted = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: {
        cookie: `${s.cookie.split('; ').find((c) => c.startsWith('jiyue_sid'))}; jiyue_csrf=planted`,
        'x-csrf-token': 'planted',
      },
    });
    expect(planted.json().code).toBe('csrf_failed');
    expect((await post('/api/auth/logout', {}, s)).statusCode).toBe(204);
    expect((await get('/api/auth/me', s)).statusCode).toBe(401);
  });

  it('ends a session idle longer than the policy allows', async () => {
    await policy({ sessionIdleMinutes: 20 });
    const s = await login(t.app, 'jyj_editor');
    const sid = t.kernel.crypto.sm3(s.cookie.match(/jiyue_sid=([^;]+)/)?.[1] as string);
    await t.kernel.db
      .updateTable('identity_sessions')
      .set({ last_seen_at: new Date(Date.now() - 19 * 60_000) })
      .where('id', '=', sid)
      .execute();
    expect((await get('/api/auth/me', s)).statusCode).toBe(200);
    await t.kernel.db
      .updateTable('identity_sessions')
      .set({ last_seen_at: new Date(Date.now() - 21 * 60_000) })
      .where('id', '=', sid)
      .execute();
    const res = await get('/api/auth/me', s);
    expect(res.statusCode).toBe(401);
    expect(
      await t.kernel.db.selectFrom('identity_sessions').select('id').where('id', '=', sid).executeTakeFirst(),
    ).toBeUndefined();
  });

  it('ends a session past its absolute lifetime even when active', async () => {
    const s = await login(t.app, 'jyj_editor');
    const sid = t.kernel.crypto.sm3(s.cookie.match(/jiyue_sid=([^;]+)/)?.[1] as string);
    await t.kernel.db
      .updateTable('identity_sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', sid)
      .execute();
    expect((await get('/api/auth/me', s)).statusCode).toBe(401);
  });

  it('lets the 安全管理员 see and end sessions', async () => {
    const editor = await login(t.app, 'wjw_editor');
    const sec = await login(t.app, 'secadmin');
    const list = (await get('/api/identity/sessions?pageSize=200', sec)).json();
    const target = list.items.find((x: any) => x.username === 'wjw_editor');
    expect(target).toMatchObject({ ip: '127.0.0.1' });
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/identity/sessions/${target.id}`,
      headers: sec.headers,
    });
    expect(revoke.statusCode).toBe(204);
    expect((await get('/api/auth/me', editor)).statusCode).toBe(401);
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .select('summary')
      .where('resource', '=', 'session')
      .execute();
    expect(audit).toHaveLength(1);
    expect((await get('/api/identity/sessions', await login(t.app, 'admin'))).statusCode).toBe(403);
  });

  it('returns only the menus the user may use', async () => {
    const editor = (await get('/api/auth/me', await login(t.app, 'jyj_editor'))).json();
    expect(editor.roles).toEqual(['editor']);
    expect(editor.menus.map((m: any) => [m.name, m.children.map((c: any) => c.name)])).toEqual([
      ['统一用户管理', ['组织机构']],
    ]);
    const auditor = (await get('/api/auth/me', await login(t.app, 'auditor'))).json();
    expect(auditor.permissions).toEqual({ 'audit:read': { kind: 'all' } });
    expect(auditor.menus.map((m: any) => [m.name, m.children.map((c: any) => c.name)])).toEqual([
      ['安全管理', ['操作日志']],
    ]);
    const admin = (await get('/api/auth/me', await login(t.app, 'admin'))).json();
    const adminItems = admin.menus.flatMap((m: any) => m.children.map((c: any) => c.name));
    expect(adminItems).toContain('组织机构');
    expect(adminItems).not.toContain('操作日志');
    expect(adminItems).not.toContain('口令策略');
    const orgAdmin = (await get('/api/auth/me', await login(t.app, 'jyj_admin'))).json();
    expect(orgAdmin.permissions['user:create'].kind).toBe('orgs');
  });
});

describe('password policy', () => {
  beforeEach(() => policy({ minLength: 10, requiredClasses: ['lower', 'upper', 'digit', 'symbol'], historyCount: 3 }));

  async function change(s: Session, oldPassword: string, newPassword: string) {
    return post('/api/auth/password', { oldPassword, newPassword }, s);
  }

  it('names the broken rule', async () => {
    const s = await login(t.app, 'hqq_admin');
    const short = await change(s, DEMO_PASSWORD, 'Ab1!');
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ code: 'password_too_short', title: '口令长度不足' });
    const classes = await change(s, DEMO_PASSWORD, 'abcdefghijk1');
    expect(classes.json()).toMatchObject({ code: 'password_missing_class', missingClasses: ['upper', 'symbol'] });
    expect(classes.json().detail).toContain('大写字母');
    expect((await change(s, DEMO_PASSWORD, DEMO_PASSWORD)).json().code).toBe('password_reused');
    expect((await change(s, 'not-my-password', 'Another-Pass-9')).json().code).toBe('old_password_wrong');
  });

  it('remembers the last N passwords', async () => {
    const s = await login(t.app, 'hqq_admin');
    expect((await change(s, DEMO_PASSWORD, 'Second-Pass-22')).statusCode).toBe(204);
    expect((await change(s, 'Second-Pass-22', 'Third-Pass-333')).statusCode).toBe(204);
    expect((await change(s, 'Third-Pass-333', DEMO_PASSWORD)).json().code).toBe('password_reused');
    expect((await tryLogin('hqq_admin', 'Third-Pass-333')).statusCode).toBe(200);
    const audit = await t.kernel.db
      .selectFrom('audit_log')
      .select(['action', 'resource'])
      .where('action', '=', 'change-password')
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(2);
  });

  it('is edited by the 安全管理员 only, with its values validated', async () => {
    const sec = await login(t.app, 'secadmin');
    const current = (await get('/api/identity/password-policy', sec)).json();
    const put = (s: Session, body: object) =>
      t.app.inject({ method: 'PUT', url: '/api/identity/password-policy', payload: body, headers: s.headers });
    expect((await put(sec, { ...current, minLength: 12 })).statusCode).toBe(200);
    expect((await get('/api/identity/password-policy', sec)).json().minLength).toBe(12);
    const bad = await put(sec, { ...current, minLength: 2, captchaMode: 'sometimes' });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: any) => e.field)
        .sort(),
    ).toEqual(['captchaMode', 'minLength']);
    const admin = await login(t.app, 'admin');
    expect((await put(admin, current)).statusCode).toBe(403);
  });

  it('an expired password leaves the user nothing but changing it', async () => {
    await policy({ expiryDays: 30 });
    await t.kernel.db
      .updateTable('identity_users')
      .set({ password_changed_at: new Date(Date.now() - 31 * 86_400_000) })
      .where('username', '=', 'wjw_admin')
      .execute();
    const res = await tryLogin('wjw_admin', DEMO_PASSWORD);
    expect(res.json().user.passwordExpired).toBe(true);
    const s = await login(t.app, 'wjw_admin');
    const me = (await get('/api/auth/me', s)).json();
    expect(me.permissions).toEqual({});
    expect((await get('/api/identity/users', s)).statusCode).toBe(403);
    expect((await change(s, DEMO_PASSWORD, 'Renewed-Pass-1')).statusCode).toBe(204);
    expect((await get('/api/identity/users', s)).statusCode).toBe(200);
  });
});

describe('nightly cleanup', () => {
  it('removes dead sessions and captchas and login log rows past retention, keeping live ones', async () => {
    await policy({ sessionIdleMinutes: 30 });
    const live = await login(t.app, 'jyj_editor');
    const idle = await login(t.app, 'wjw_editor');
    const idleId = t.kernel.crypto.sm3(idle.cookie.match(/jiyue_sid=([^;]+)/)?.[1] as string);
    await t.kernel.db
      .updateTable('identity_sessions')
      .set({ last_seen_at: new Date(Date.now() - 31 * 60_000) })
      .where('id', '=', idleId)
      .execute();
    await t.kernel.db
      .insertInto('identity_captchas')
      .values({ id: 'old-captcha', answer_hash: 'x', expires_at: new Date(Date.now() - 1000) })
      .execute();
    await t.kernel.db
      .insertInto('identity_login_log')
      .values({ username: 'ancient', success: true, created_at: new Date(Date.now() - 400 * 86_400_000) })
      .execute();
    await t.kernel.jobs.enqueue(t.kernel.db, 'identity.cleanup', {});
    await t.kernel.jobs.runUntilIdle();
    expect((await get('/api/auth/me', live)).statusCode).toBe(200);
    expect(
      await t.kernel.db.selectFrom('identity_sessions').select('id').where('id', '=', idleId).executeTakeFirst(),
    ).toBeUndefined();
    expect(
      await t.kernel.db.selectFrom('identity_captchas').select('id').where('id', '=', 'old-captcha').executeTakeFirst(),
    ).toBeUndefined();
    expect(
      await t.kernel.db
        .selectFrom('identity_login_log')
        .select('id')
        .where('username', '=', 'ancient')
        .executeTakeFirst(),
    ).toBeUndefined();
    expect(
      await t.kernel.db
        .selectFrom('identity_login_log')
        .select('id')
        .where('username', '=', 'jyj_editor')
        .executeTakeFirst(),
    ).toBeDefined();
  });
});

describe('login log', () => {
  it('records success and failure with reason, IP and user agent for the 安全管理员', async () => {
    await policy();
    await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'jyj_editor', password: 'nope' },
      headers: { 'user-agent': 'TestBrowser/1.0' },
    });
    await tryLogin('jyj_editor', DEMO_PASSWORD);
    const sec = await login(t.app, 'secadmin');
    const log = (await get('/api/identity/login-log?q=jyj_editor', sec)).json();
    expect(log.total).toBe(2);
    expect(log.items[1]).toMatchObject({
      username: 'jyj_editor',
      success: false,
      reason: 'invalid_credentials',
      ip: '127.0.0.1',
      userAgent: 'TestBrowser/1.0',
    });
    expect(log.items[0]).toMatchObject({ success: true, reason: null });
    const admin = await login(t.app, 'admin');
    expect((await get('/api/identity/login-log', admin)).statusCode).toBe(403);
  });
});
