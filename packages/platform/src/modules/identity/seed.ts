import { randomUUID } from 'node:crypto';
import type { Tx } from '../../kernel/db.js';
import type { Kernel } from '../../kernel/module.js';
import { DEFAULT_POLICY, hashPassword, insertDefaultPolicy } from './policy.js';
import { ADMIN_ROLES } from './roles.js';
import { ADMIN_ROLE_NAMES, CITY, COUNTIES, CUSTOM_ROLES, DEMO_USERS, DEPARTMENTS, demoUscc } from './seed-data.js';
import { generatePassword } from './users.js';

/*
 * First start (the kernel runs each module's seed once): password policy, roles, the 新乡 org
 * tree and the demo users. Passwords: JIYUE_ADMIN_PASSWORD for all demo users when set, otherwise
 * one random password per user, printed once to stdout and never stored in clear.
 */

async function insertOrg(
  tx: Tx,
  parent: { id: string; path: string } | null,
  org: { name: string; shortName: string; level: string; code: string; order: number },
) {
  const id = randomUUID();
  const path = `${parent?.path ?? '/'}${id}/`;
  await tx
    .insertInto('identity_orgs')
    .values({
      id,
      parent_id: parent?.id ?? null,
      path,
      name: org.name,
      short_name: org.shortName,
      level: org.level,
      code: org.code,
      sort_order: org.order,
    })
    .execute();
  return { id, path };
}

/** Returns org ids by short name (and '' for the root). */
async function seedOrgs(tx: Tx): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let serial = 1;
  const root = await insertOrg(tx, null, {
    name: CITY.name,
    shortName: CITY.shortName,
    level: 'city',
    code: demoUscc(CITY.regionCode, serial++),
    order: 0,
  });
  ids.set('', root.id);
  for (const [i, [name, shortName]] of DEPARTMENTS.entries()) {
    const org = await insertOrg(tx, root, {
      name,
      shortName,
      level: 'city',
      code: demoUscc(CITY.regionCode, serial++),
      order: i,
    });
    ids.set(shortName, org.id);
  }
  for (const [i, [name, shortName, region]] of COUNTIES.entries()) {
    const org = await insertOrg(tx, root, {
      name,
      shortName,
      level: 'county',
      code: demoUscc(region, 1),
      order: DEPARTMENTS.length + i,
    });
    ids.set(shortName, org.id);
  }
  return ids;
}

async function seedRoles(tx: Tx): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const code of ADMIN_ROLES) {
    const [name, description] = ADMIN_ROLE_NAMES[code];
    const row = await tx
      .insertInto('identity_roles')
      .values({ code, name, description, builtin: true, permissions: '[]' })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.set(code, row.id);
  }
  for (const role of CUSTOM_ROLES) {
    const row = await tx
      .insertInto('identity_roles')
      .values({
        code: role.code,
        name: role.name,
        description: role.description,
        permissions: JSON.stringify(role.permissions),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.set(role.code, row.id);
  }
  return ids;
}

async function seedUsers(
  kernel: Kernel,
  tx: Tx,
  orgs: Map<string, string>,
  roles: Map<string, string>,
): Promise<[string, string][]> {
  const shared = kernel.config.adminPassword;
  const sharedHash = shared ? await hashPassword(shared) : null;
  const printed: [string, string][] = [];
  for (const u of DEMO_USERS) {
    const password = shared ?? generatePassword(DEFAULT_POLICY);
    if (!shared) printed.push([u.username, password]);
    const orgId = orgs.get(u.org ?? '') as string;
    const row = await tx
      .insertInto('identity_users')
      .values({
        username: u.username,
        display_name: u.displayName,
        password_hash: sharedHash ?? (await hashPassword(password)),
        org_id: orgId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('identity_user_roles')
      .values({ user_id: row.id, role_id: roles.get(u.role) as string, scope_org_id: u.scope === 'all' ? null : orgId })
      .execute();
  }
  return printed;
}

export async function seedIdentity(kernel: Kernel): Promise<void> {
  const printed = await kernel.db.transaction().execute(async (tx) => {
    await insertDefaultPolicy(tx, { ...DEFAULT_POLICY, sessionIdleMinutes: kernel.config.sessionIdleMinutes });
    const roles = await seedRoles(tx);
    const orgs = await seedOrgs(tx);
    return seedUsers(kernel, tx, orgs, roles);
  });
  if (printed.length) {
    // Printed on stdout (not the log) exactly once: these passwords are not recoverable afterwards.
    const lines = printed.map(([username, password]) => `    ${username.padEnd(14)} ${password}`);
    process.stdout.write(
      `\n  集约平台首次启动：已创建演示账号（口令只显示这一次，请妥善保存）\n  Demo accounts created; passwords are shown only once:\n${lines.join('\n')}\n` +
        '  管理员账号首次登录须绑定动态口令（TOTP）。\n\n',
    );
  }
}
