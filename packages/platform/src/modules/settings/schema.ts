import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';

/* Tables of the settings module (统一平台配置). */

/** Type of every entry value in one dictionary; values are stored as text and checked on write. */
export type DictionaryValueType = 'string' | 'integer' | 'boolean';

export interface DictionaryRow {
  id: string;
  code: string;
  name: string;
  description: string | null;
  value_type: DictionaryValueType;
  builtin: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface DictionaryEntryRow {
  id: string;
  dictionary_id: string;
  value: string;
  label: string;
  sort_order: number;
  enabled: boolean;
  extra: Record<string, unknown> | null;
}

export interface MenuRow {
  id: string;
  parent_id: string | null;
  name: string;
  path: string | null;
  icon: string | null;
  /** Permission code needed to see the item; null = every logged-in user. */
  permission: string | null;
  sort_order: number;
  visible: boolean;
}

export interface ChannelCategoryRow {
  id: string;
  code: string;
  name: string;
  sort_order: number;
  enabled: boolean;
}

export type ParameterType = 'string' | 'number' | 'boolean' | 'json';

export interface ParameterRow {
  key: string;
  value_type: ParameterType;
  /** jsonb: the typed value itself. */
  value: unknown;
  description: string | null;
  updated_at: Date;
}

const m001: Migration = {
  name: '001_settings',
  async up(db) {
    await sql`
      create table settings_dictionaries (
        id uuid primary key default gen_random_uuid(),
        code text not null unique,
        name text not null,
        description text,
        value_type text not null check (value_type in ('string', 'integer', 'boolean')),
        builtin boolean not null default false,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );

      create table settings_dictionary_entries (
        id uuid primary key default gen_random_uuid(),
        dictionary_id uuid not null references settings_dictionaries(id) on delete cascade,
        value text not null,
        label text not null,
        sort_order integer not null default 0,
        enabled boolean not null default true,
        extra jsonb,
        unique (dictionary_id, value)
      );

      create table settings_menus (
        id uuid primary key default gen_random_uuid(),
        parent_id uuid references settings_menus(id),
        name text not null,
        path text,
        icon text,
        permission text,
        sort_order integer not null default 0,
        visible boolean not null default true
      );
      create unique index settings_menus_path on settings_menus (path) where path is not null;

      create table settings_channel_categories (
        id uuid primary key default gen_random_uuid(),
        code text not null unique,
        name text not null,
        sort_order integer not null default 0,
        enabled boolean not null default true
      );

      create table settings_parameters (
        key text primary key,
        value_type text not null check (value_type in ('string', 'number', 'boolean', 'json')),
        value jsonb not null,
        description text,
        updated_at timestamptz not null default now()
      );
    `.execute(db);
  },
};

/** Menu paths a module has offered once, so an operator's deletion of one is not undone on restart. */
const m002: Migration = {
  name: '002_seeded_menus',
  async up(db) {
    await sql`
      create table settings_seeded_menus (
        path text primary key,
        seeded_at timestamptz not null default now()
      );
      insert into settings_seeded_menus (path) select path from settings_menus where path is not null;
    `.execute(db);
  },
};

export const settingsMigrations: Migration[] = [m001, m002];
