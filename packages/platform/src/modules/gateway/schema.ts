import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';

/** 接口客户端: one row per calling system; only the HMAC-SM3 of its key is stored. */
export const gatewayMigrations: Migration[] = [
  {
    name: '001_clients',
    async up(db) {
      await sql`
        create table gateway_clients (
          id uuid primary key default gen_random_uuid(),
          name text not null,
          description text not null default '',
          scopes text[] not null default '{}',
          key_prefix text not null unique,
          key_hash text not null,
          status text not null default 'active' check (status in ('active', 'revoked')),
          last_used_at timestamptz,
          last_used_ip text,
          created_by text,
          created_by_name text,
          created_at timestamptz not null default now(),
          revoked_at timestamptz
        );
      `.execute(db);
    },
  },
];

export interface ClientRow {
  id: string;
  name: string;
  description: string;
  scopes: string[];
  key_prefix: string;
  key_hash: string;
  status: 'active' | 'revoked';
  last_used_at: Date | null;
  last_used_ip: string | null;
  created_by: string | null;
  created_by_name: string | null;
  created_at: Date;
  revoked_at: Date | null;
}
