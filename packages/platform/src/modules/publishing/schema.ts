import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';

/*
 * Tables of the publishing module (生成静态, 模板管理, 素材库, 专题, 友情链接). The engine owns
 * `publishing_pages` (what was rendered, and what each page read: its dependency keys) and
 * `publishing_rebuilds` (resumable full-rebuild positions); the console area's tables are created
 * here too so that the module has exactly one migration list (decision 0006).
 */

export type PageKind = 'index' | 'channel' | 'article' | 'topic' | '404' | 'sitemap' | 'rss';

export interface PageRow {
  site_id: string;
  path: string;
  kind: PageKind;
  template: string;
  care: boolean;
  rendered_at: Date;
  etag: string;
  /** Dependency keys recorded while the page rendered (see deps.ts). */
  deps: string[];
  /** What the page shows (document id, channel id + page number…), for re-rendering it alone. */
  source: Record<string, unknown>;
}

export interface TemplateVersionRow {
  id: string;
  /** null: the override applies to every site that uses `theme`. */
  site_id: string | null;
  theme: string;
  path: string;
  version: number;
  source: string;
  comment: string | null;
  created_by: string | null;
  created_at: Date;
  active: boolean;
}

export interface AssetRow {
  id: string;
  site_id: string | null;
  file_id: string;
  name: string;
  tags: string[];
  created_by: string | null;
  created_at: Date;
}

export type TopicState = 'draft' | 'published';

export interface TopicRow {
  id: string;
  site_id: string;
  slug: string;
  title: string;
  background: Record<string, unknown>;
  modules: { type: string; props: Record<string, unknown> }[];
  state: TopicState;
  version: number;
  created_by: string | null;
  updated_at: Date;
  published_at: Date | null;
}

export interface FriendLinkRow {
  id: string;
  site_id: string;
  group_name: string;
  name: string;
  url: string;
  sort_order: number;
}

/** Position of a full rebuild (生成全站), so a crashed job continues where it stopped. */
export interface RebuildRow {
  job_id: string;
  /** 'all' or a site id. */
  target: string;
  /** Sites still to do, in order; the first one is in progress. */
  sites: string[];
  /** Index into the current site's page plan up to which every page is written. */
  position: number;
  /** Pages written by this job so far (all sites). */
  done: number;
  /** When the current site's pass began: pages of the site not rendered since are stale. */
  run_started_at: Date;
  started_at: Date;
  updated_at: Date;
  /** `{ template, line, reason, path }` of a failed render. */
  error: Record<string, unknown> | null;
}

/** Per-site publishing summary for the console (last full rebuild, output size). */
export interface PublishedSiteRow {
  site_id: string;
  last_rebuild_at: Date | null;
  last_rebuild_job: string | null;
  output_bytes: number;
  output_files: number;
}

const m001: Migration = {
  name: '001_publishing',
  async up(db) {
    await sql`
      create table publishing_pages (
        site_id uuid not null references cms_sites(id) on delete cascade,
        path text not null,
        kind text not null,
        template text not null default '',
        care boolean not null default false,
        rendered_at timestamptz not null default now(),
        etag text not null default '',
        deps text[] not null default '{}',
        source jsonb not null default '{}',
        primary key (site_id, path)
      );
      create index publishing_pages_deps on publishing_pages using gin (deps);
      create index publishing_pages_kind on publishing_pages (site_id, kind, path);

      create table publishing_rebuilds (
        job_id uuid primary key,
        target text not null,
        sites text[] not null default '{}',
        position integer not null default 0,
        done integer not null default 0,
        run_started_at timestamptz not null default now(),
        started_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        error jsonb
      );

      create table publishing_sites (
        site_id uuid primary key references cms_sites(id) on delete cascade,
        last_rebuild_at timestamptz,
        last_rebuild_job uuid,
        output_bytes bigint not null default 0,
        output_files integer not null default 0
      );

      -- Lists of published documents newest first (the engine's list queries).
      create index publishing_cms_documents_list on cms_documents
        (channel_id, (coalesce(publish_at, created_at)) desc, id desc)
        where state = 'published' and deleted_at is null;
      create index publishing_cms_documents_site_list on cms_documents
        (site_id, (coalesce(publish_at, created_at)) desc, id desc)
        where state = 'published' and deleted_at is null;

      create table publishing_template_versions (
        id uuid primary key default gen_random_uuid(),
        site_id uuid references cms_sites(id) on delete cascade,
        theme text not null,
        path text not null,
        version integer not null,
        source text not null,
        comment text,
        created_by uuid,
        created_at timestamptz not null default now(),
        active boolean not null default false
      );
      create unique index publishing_template_versions_key
        on publishing_template_versions (coalesce(site_id, '00000000-0000-0000-0000-000000000000'::uuid), theme, path, version);
      create unique index publishing_template_versions_active
        on publishing_template_versions (coalesce(site_id, '00000000-0000-0000-0000-000000000000'::uuid), theme, path)
        where active;

      create table publishing_assets (
        id uuid primary key default gen_random_uuid(),
        site_id uuid references cms_sites(id) on delete cascade,
        file_id uuid not null references files(id),
        name text not null,
        tags text[] not null default '{}',
        created_by uuid,
        created_at timestamptz not null default now()
      );
      create index publishing_assets_site on publishing_assets (site_id, created_at desc);
      create index publishing_assets_tags on publishing_assets using gin (tags);

      create table publishing_topics (
        id uuid primary key default gen_random_uuid(),
        site_id uuid not null references cms_sites(id) on delete cascade,
        slug text not null,
        title text not null,
        background jsonb not null default '{}',
        modules jsonb not null default '[]',
        state text not null default 'draft' check (state in ('draft', 'published')),
        version integer not null default 1,
        created_by uuid,
        updated_at timestamptz not null default now(),
        published_at timestamptz,
        unique (site_id, slug)
      );

      create table publishing_friend_links (
        id uuid primary key default gen_random_uuid(),
        site_id uuid not null references cms_sites(id) on delete cascade,
        group_name text not null default '',
        name text not null,
        url text not null,
        sort_order integer not null default 0
      );
      create index publishing_friend_links_site on publishing_friend_links (site_id, sort_order);
    `.execute(db);
  },
};

/**
 * The dependency index is read on every publish. With GIN's fast update, new entries collect in a
 * pending list (up to 4 MB) that every read scans in full and that some insert then merges into
 * the index: after a full rebuild of a 100,000-document site, a publish's lookups took 130–1,300
 * ms instead of a few. Entries now go straight into the index (decision 0008).
 */
const m002: Migration = {
  name: '002_publishing_deps_direct',
  async up(db) {
    await sql`alter index publishing_pages_deps set (fastupdate = off)`.execute(db);
    await sql`select gin_clean_pending_list('publishing_pages_deps'::regclass)`.execute(db);
  },
};

/**
 * Two reads of every publish on a large site: counting a channel's published documents (its
 * pager) walked the heap of every row — 300–900 ms for a 27,000-document channel on the bench's
 * 100,000-document site — and the pinned documents of a list were found by walking all of the
 * list. A count index that answers from the index alone (9 ms once the table has been vacuumed)
 * and an index of the few pinned documents (decision 0008).
 */
const m003: Migration = {
  name: '003_publishing_count_indexes',
  async up(db) {
    await sql`
      create index publishing_cms_documents_count on cms_documents (channel_id, site_id) include (reference_of)
        where state = 'published' and deleted_at is null;
      create index publishing_cms_documents_pinned on cms_documents (channel_id, pinned_until)
        where pinned_until is not null and state = 'published' and deleted_at is null;
    `.execute(db);
  },
};

export const publishingMigrations: Migration[] = [m001, m002, m003];
