import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';
import type { CustomField } from './custom-fields.js';
import { documentMigrations } from './documents.schema.js';
import { fileMigrations } from './files.schema.js';

/*
 * Tables of the cms module (网站群内容管理). Sites belong to an identity org (`owner_org_id`), which
 * is what the data scope of every cms permission is checked against (see scope.ts).
 */

export type SiteStatus = 'building' | 'running' | 'closed';
export type ChannelType = 'list' | 'page' | 'link';
export type ReviewMode = 'none' | 'one' | 'two';

export interface SiteRow {
  id: string;
  code: string;
  name: string;
  domains: string[];
  theme: string;
  owner_org_id: string;
  status: SiteStatus;
  /** 网站标识码 */
  site_code: string | null;
  /** ICP 备案号 */
  icp: string | null;
  /** 公安机关备案号 */
  police_record: string | null;
  sort_order: number;
  created_at: Date;
  updated_at: Date;
}

export interface ChannelRow {
  id: string;
  site_id: string;
  parent_id: string | null;
  name: string;
  code: string;
  type: ChannelType;
  link_url: string | null;
  category: string | null;
  update_cycle_days: number | null;
  review_mode: ReviewMode;
  /** Workflow process key that runs this channel's review (null: the built-in review). */
  review_process: string | null;
  templates: { list?: string; article?: string };
  sort_order: number;
  status: 'enabled' | 'disabled';
  /** 自定义字段 the channel's documents carry in `custom` (see custom-fields.ts). */
  custom_fields: CustomField[];
  created_at: Date;
}

const m001: Migration = {
  name: '001_sites_channels',
  async up(db) {
    await sql`
      create table cms_sites (
        id uuid primary key default gen_random_uuid(),
        code text not null unique,
        name text not null,
        domains text[] not null default '{}',
        theme text not null default 'default',
        owner_org_id uuid not null,
        status text not null default 'building' check (status in ('building', 'running', 'closed')),
        site_code text,
        icp text,
        police_record text,
        sort_order integer not null default 0,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index cms_sites_owner on cms_sites (owner_org_id);
      create index cms_sites_domains on cms_sites using gin (domains);

      create table cms_site_groups (
        id uuid primary key default gen_random_uuid(),
        name text not null unique,
        created_at timestamptz not null default now()
      );
      create table cms_site_group_members (
        group_id uuid not null references cms_site_groups(id) on delete cascade,
        site_id uuid not null references cms_sites(id) on delete cascade,
        primary key (group_id, site_id)
      );
      create index cms_site_group_members_site on cms_site_group_members (site_id);

      create table cms_channels (
        id uuid primary key default gen_random_uuid(),
        site_id uuid not null references cms_sites(id),
        parent_id uuid references cms_channels(id),
        name text not null,
        code text not null,
        type text not null check (type in ('list', 'page', 'link')),
        link_url text,
        category text,
        update_cycle_days integer,
        review_mode text not null default 'one' check (review_mode in ('none', 'one', 'two')),
        templates jsonb not null default '{}',
        sort_order integer not null default 0,
        status text not null default 'enabled' check (status in ('enabled', 'disabled')),
        created_at timestamptz not null default now(),
        unique (site_id, code)
      );
      create index cms_channels_tree on cms_channels (site_id, parent_id, sort_order);
    `.execute(db);
  },
};

const m060: Migration = {
  name: '060_channel_custom_fields',
  async up(db) {
    await sql`alter table cms_channels add column custom_fields jsonb not null default '[]'`.execute(db);
  },
};

/** 审核流程: a channel may run its review on a workflow process (key), e.g. the shipped `cms-review`. */
const m070: Migration = {
  name: '070_channel_review_process',
  async up(db) {
    await sql`alter table cms_channels add column review_process text`.execute(db);
  },
};

/** Sites and channels first: documents refer to channels, files are referenced by documents. */
export const cmsMigrations: Migration[] = [m001, ...documentMigrations, ...fileMigrations, m060, m070];
