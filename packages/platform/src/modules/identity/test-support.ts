import type { FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { type CreateTestAppOptions, createTestApp, type Session, type TestApp } from '../../kernel/testing.js';
import { settingsModule } from '../settings/index.js';
import { identityModule } from './index.js';

/*
 * Test helpers shared by the identity and settings tests (and by other modules' tests that need a
 * logged-in administrator). Logins go through the real endpoint, including TOTP enrolment.
 */

/** Password of every seeded demo user in tests (passed as JIYUE_ADMIN_PASSWORD would be). */
export const DEMO_PASSWORD = 'Xinxiang-2026!';

export function identityTestApp(options: CreateTestAppOptions = {}): Promise<TestApp> {
  return createTestApp({
    ...options,
    modules: [settingsModule, identityModule, ...(options.modules ?? [])],
    config: { adminPassword: DEMO_PASSWORD, ...options.config },
  });
}

const currentStep = () => Math.floor(Date.now() / 30_000);

/** The TOTP code of a time step (default: now). */
export function otpFor(secret: string, step = currentStep()): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
  return totp.generate({ timestamp: step * 30_000 });
}

/**
 * The server accepts one step ahead but never a step twice. When a test has used both up, the
 * replay marker is cleared instead of waiting up to 30 s (replay refusal has its own test).
 */
async function nextStep(app: FastifyInstance, username: string, lastStep: number): Promise<number> {
  const now = currentStep();
  if (lastStep < now + 1) return Math.max(now, lastStep + 1);
  await app.kernel.db
    .updateTable('identity_users')
    .set({ totp_last_step: null })
    .where('username', '=', username)
    .execute();
  return now;
}

/** For tests that enrol a user themselves: lets `login` continue with that secret. */
export function rememberOtp(app: FastifyInstance, username: string, secret: string, lastStep: number): void {
  const known = secrets.get(app) ?? new Map();
  secrets.set(app, known);
  known.set(username, { secret, lastStep });
}

const secrets = new WeakMap<FastifyInstance, Map<string, { secret: string; lastStep: number }>>();

function sessionFrom(res: { cookies: { name: string; value: string }[]; json(): any }): Session {
  const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const csrf = res.cookies.find((c) => c.name === 'jiyue_csrf')?.value ?? res.json().csrfToken;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf }, body: res.json() };
}

/**
 * Logs in any user; administrators are enrolled in TOTP on their first login (as the console
 * does) and later logins use the next unused time step, since a code cannot be replayed.
 */
export async function login(app: FastifyInstance, username: string, password = DEMO_PASSWORD): Promise<Session> {
  const known = secrets.get(app) ?? new Map();
  secrets.set(app, known);
  const post = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password, ...payload } });
  const entry = known.get(username);
  let res: Awaited<ReturnType<typeof post>>;
  if (entry) {
    entry.lastStep = await nextStep(app, username, entry.lastStep);
    res = await post({ otp: otpFor(entry.secret, entry.lastStep) });
  } else {
    res = await post({});
  }
  if (res.statusCode === 428) {
    const { secret } = res.json().enrolment;
    const step = currentStep();
    res = await post({ otp: otpFor(secret, step), enrolSecret: secret });
    known.set(username, { secret, lastStep: step });
  }
  if (res.statusCode !== 200) throw new Error(`login as ${username} failed: ${res.statusCode} ${res.body}`);
  return sessionFrom(res);
}
