import { sql } from 'kysely';
import { conflict, notFound } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { writeCommand } from '../settings/context.js';
import { type AdminRole, isAdminRole } from './roles.js';

/*
 * Operator commands for the server console (CLI), outside any user's authority. 三权分立 means no
 * administrator can hand out the 安全管理员 or 审计管理员 role (nobody holds all of it to give), so
 * appointing one is an operator act with direct access to the server, audited as 系统.
 */

export interface AppointResult {
  username: string;
  role: AdminRole;
}

/** Gives `username` the built-in administrator role `role` (scope: all orgs), enforcing 三权分立. */
export function appointAdministrator(kernel: Kernel, username: string, role: string): Promise<AppointResult> {
  return writeCommand(kernel, { principal: null, ip: null }, async (tx) => {
    if (!isAdminRole(role))
      throw notFound('role_not_found', '不是内置管理员角色', {
        detail: `应为 sysadmin、secadmin 或 auditor，而不是「${role}」`,
      });
    const user = await tx
      .selectFrom('identity_users')
      .select(['id', 'display_name'])
      .where(sql`lower(username)`, '=', username.toLowerCase())
      .where('status', '<>', 'deleted')
      .executeTakeFirst();
    if (!user) throw notFound('user_not_found', '用户不存在', { detail: username });
    const held = await tx
      .selectFrom('identity_user_roles as ur')
      .innerJoin('identity_roles as r', 'r.id', 'ur.role_id')
      .select('r.code')
      .where('ur.user_id', '=', user.id)
      .execute();
    const otherAdmin = held.map((h) => h.code).find((c) => isAdminRole(c) && c !== role);
    if (otherAdmin) {
      throw conflict('separation_of_duties', '三权分立：系统管理员、安全管理员、审计管理员不能由同一用户兼任', {
        detail: `「${username}」已是 ${otherAdmin}`,
      });
    }
    const { id: roleId } = await tx
      .selectFrom('identity_roles')
      .select('id')
      .where('code', '=', role)
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('identity_user_roles')
      .values({ user_id: user.id, role_id: roleId, scope_org_id: null })
      .onConflict((oc) => oc.columns(['user_id', 'role_id']).doUpdateSet({ scope_org_id: null }))
      .execute();
    return {
      result: { username, role },
      audit: {
        action: 'grant',
        resource: 'user',
        resourceId: user.id,
        summary: `运维命令：任命「${user.display_name}（${username}）」为 ${role}`,
      },
    };
  });
}
