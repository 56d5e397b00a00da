import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';

/*
 * Tables of the identity module (统一用户管理 + 统一用户认证). Other modules never read them; they
 * use the exported service functions instead.
 *
 * Org tree: `path` is the materialized path of ids (`/root/child/`), so a subtree is one
 * `path like '<prefix>%'` query and a move rewrites the prefix of the moved subtree.
 *
 * Personal data (phones, ID numbers, TOTP secrets) is stored SM4-encrypted; `*_index` columns hold
 * a keyed SM3 blind index so exact lookups work without decrypting every row.
 */

export interface OrgRow {
  id: string;
  parent_id: string | null;
  path: string;
  name: string;
  short_name: string | null;
  level: string;
  code: string | null;
  sort_order: number;
  status: 'enabled' | 'disabled';
  created_at: Date;
  updated_at: Date;
}

export type UserStatus = 'enabled' | 'disabled' | 'deleted';

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  password_changed_at: Date;
  phone_enc: string | null;
  phone_index: string | null;
  email: string | null;
  org_id: string;
  status: UserStatus;
  failed_attempts: number;
  locked_until: Date | null;
  totp_secret_enc: string | null;
  totp_pending_enc: string | null;
  totp_last_step: number | null;
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface RoleRow {
  id: string;
  code: string;
  name: string;
  description: string | null;
  builtin: boolean;
  permissions: string[];
  created_at: Date;
  updated_at: Date;
}

export interface UserRoleRow {
  user_id: string;
  role_id: string;
  /** null = 全部 (all orgs); otherwise the subtree rooted at this org. */
  scope_org_id: string | null;
}

export type AccountKind = 'person' | 'legalEntity';

export interface AccountRow {
  id: string;
  kind: AccountKind;
  name: string;
  id_number_enc: string;
  id_number_index: string;
  legal_representative: string | null;
  phone_enc: string;
  phone_index: string;
  status: 'enabled' | 'disabled';
  created_at: Date;
  updated_at: Date;
}

export interface SessionRow {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  ip: string | null;
  user_agent: string | null;
}

export type CaptchaMode = 'off' | 'always' | 'afterFailures';

export interface PasswordPolicyRow {
  id: number;
  min_length: number;
  required_classes: string[];
  expiry_days: number;
  history_count: number;
  max_failures: number;
  lockout_minutes: number;
  captcha_mode: CaptchaMode;
  captcha_after_failures: number;
  session_idle_minutes: number;
  session_max_hours: number;
  login_limit_per_ip: number;
  login_limit_per_username: number;
  updated_at: Date;
}

const m001: Migration = {
  name: '001_identity',
  async up(db) {
    await sql`
      create table identity_orgs (
        id uuid primary key default gen_random_uuid(),
        parent_id uuid references identity_orgs(id),
        path text not null,
        name text not null,
        short_name text,
        level text not null,
        code text,
        sort_order integer not null default 0,
        status text not null default 'enabled' check (status in ('enabled', 'disabled')),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create unique index identity_orgs_code on identity_orgs (code) where code is not null;
      create index identity_orgs_path on identity_orgs (path text_pattern_ops);
      create index identity_orgs_parent on identity_orgs (parent_id, sort_order);

      create table identity_users (
        id uuid primary key default gen_random_uuid(),
        username text not null,
        display_name text not null,
        password_hash text not null,
        password_changed_at timestamptz not null default now(),
        phone_enc text,
        phone_index text,
        email text,
        org_id uuid not null references identity_orgs(id),
        status text not null default 'enabled' check (status in ('enabled', 'disabled', 'deleted')),
        failed_attempts integer not null default 0,
        locked_until timestamptz,
        totp_secret_enc text,
        totp_pending_enc text,
        totp_last_step bigint,
        last_login_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create unique index identity_users_username on identity_users (lower(username));
      create index identity_users_org on identity_users (org_id);
      create index identity_users_phone on identity_users (phone_index);

      create table identity_password_history (
        user_id uuid not null references identity_users(id),
        password_hash text not null,
        created_at timestamptz not null default now()
      );
      create index identity_password_history_user on identity_password_history (user_id, created_at);

      create table identity_roles (
        id uuid primary key default gen_random_uuid(),
        code text not null unique,
        name text not null,
        description text,
        builtin boolean not null default false,
        permissions jsonb not null default '[]',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );

      create table identity_user_roles (
        user_id uuid not null references identity_users(id),
        role_id uuid not null references identity_roles(id),
        scope_org_id uuid references identity_orgs(id),
        primary key (user_id, role_id)
      );
      create index identity_user_roles_role on identity_user_roles (role_id);

      create table identity_accounts (
        id uuid primary key default gen_random_uuid(),
        kind text not null check (kind in ('person', 'legalEntity')),
        name text not null,
        id_number_enc text not null,
        id_number_index text not null,
        legal_representative text,
        phone_enc text not null,
        phone_index text not null,
        status text not null default 'enabled' check (status in ('enabled', 'disabled')),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create unique index identity_accounts_id_number on identity_accounts (kind, id_number_index);
      create index identity_accounts_phone on identity_accounts (phone_index);

      create table identity_sessions (
        id text primary key,
        user_id uuid not null references identity_users(id),
        csrf_token text not null,
        created_at timestamptz not null default now(),
        last_seen_at timestamptz not null default now(),
        expires_at timestamptz not null,
        ip text,
        user_agent text
      );
      create index identity_sessions_user on identity_sessions (user_id);

      create table identity_password_policy (
        id integer primary key check (id = 1),
        min_length integer not null,
        required_classes jsonb not null,
        expiry_days integer not null,
        history_count integer not null,
        max_failures integer not null,
        lockout_minutes integer not null,
        captcha_mode text not null check (captcha_mode in ('off', 'always', 'afterFailures')),
        captcha_after_failures integer not null,
        session_idle_minutes integer not null,
        session_max_hours integer not null,
        login_limit_per_ip integer not null,
        login_limit_per_username integer not null,
        updated_at timestamptz not null default now()
      );

      create table identity_captchas (
        id text primary key,
        answer_hash text not null,
        expires_at timestamptz not null,
        used_at timestamptz
      );

      create table identity_login_log (
        id bigserial primary key,
        username text not null,
        user_id uuid,
        success boolean not null,
        reason text,
        ip text,
        user_agent text,
        created_at timestamptz not null default now()
      );
      create index identity_login_log_time on identity_login_log (created_at);
      create index identity_login_log_ip on identity_login_log (ip, created_at);
      create index identity_login_log_username on identity_login_log (lower(username), created_at);
    `.execute(db);
  },
};

export const identityMigrations: Migration[] = [m001];
