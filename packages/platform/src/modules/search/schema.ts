import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';

/*
 * The search index lives in PostgreSQL (PGlite alike): one row per cms document, with the text
 * already cut into words by jieba in the application (PostgreSQL has no Chinese parser), stored
 * as a hand-built tsvector (title weight A, keywords/summary B, body C) under a GIN index.
 * pg_trgm is used when the server has it (PostgreSQL: a trigram index that serves the console's
 * title LIKE '%…%'); PGlite only has it when the kernel loads the extension, so nothing depends
 * on it.
 */

/** 检索词典 kinds: 百姓体, 敏感词屏蔽, 同义词, 用户词典. */
export type TermKind = 'plain' | 'blocked' | 'synonym' | 'user';

export interface SearchDocumentRow {
  id: string;
  site_id: string;
  site_code: string;
  site_name: string;
  channel_id: string;
  channel_name: string;
  category: string | null;
  kind: string;
  doc_type: string;
  state: string;
  title: string;
  /** plain text of the body (capped), for snippets and exact-phrase matching */
  content: string;
  url: string;
  fields: Record<string, unknown>;
  pinyin: string;
  initials: string;
  publish_at: Date | null;
  created_at: Date;
  updated_at: Date;
  indexed_at: Date;
}

const m001: Migration = {
  name: '001_search_index',
  async up(db) {
    await sql`
      create table search_documents (
        id uuid primary key,
        site_id uuid not null,
        site_code text not null,
        site_name text not null,
        site_public boolean not null default true,
        channel_id uuid not null,
        channel_name text not null,
        category text,
        kind text not null,
        doc_type text not null,
        state text not null,
        title text not null,
        content text not null default '',
        url text not null,
        fields jsonb not null default '{}',
        pinyin text not null default '',
        initials text not null default '',
        tsv tsvector not null,
        publish_at timestamptz,
        created_at timestamptz not null,
        updated_at timestamptz not null,
        indexed_at timestamptz not null default now()
      );
      create index search_documents_tsv on search_documents using gin (tsv);
      create index search_documents_public on search_documents (publish_at desc) where state = 'published';
      create index search_documents_kind on search_documents (kind, publish_at desc) where state = 'published';
      create index search_documents_pinyin on search_documents (pinyin text_pattern_ops) where state = 'published';
      create index search_documents_initials on search_documents (initials text_pattern_ops) where state = 'published';
      create index search_documents_site on search_documents (site_id, created_at desc);

      create table search_vocabulary (
        word text primary key,
        pinyin text not null,
        initials text not null,
        freq integer not null default 1
      );

      create table search_terms (
        id uuid primary key default gen_random_uuid(),
        kind text not null check (kind in ('plain', 'blocked', 'synonym', 'user')),
        term text not null,
        targets text[] not null default '{}',
        note text,
        enabled boolean not null default true,
        updated_by text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (kind, term)
      );

      create table search_queries (
        id bigserial primary key,
        query text not null,
        searched text,
        correction text,
        total integer not null,
        blocked boolean not null default false,
        site text,
        ms integer not null,
        at timestamptz not null default now()
      );
      create index search_queries_at on search_queries (at desc);
      create index search_queries_query on search_queries (query, at desc);

      create table search_state (
        key text primary key,
        value jsonb not null,
        updated_at timestamptz not null default now()
      );
    `.execute(db);
    // Trigram index on titles where the extension exists (PostgreSQL with contrib; PGlite when
    // the kernel loads @electric-sql/pglite/contrib/pg_trgm).
    const available = await sql<{ n: number }>`
      select count(*)::int as n from pg_available_extensions where name = 'pg_trgm'`.execute(db);
    if (Number(available.rows[0]?.n) > 0) {
      // pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
      await sql`create extension if not exists pg_trgm`.execute(db);
      await sql`create index search_documents_title_trgm on search_documents using gin (title gin_trgm_ops)`.execute(
        db,
      );
    }
  },
};

/**
 * Date indexes per site and per channel category: a site's (category's) newest documents, for
 * the planner to AND with the GIN index when one of those filters is set.
 */
const m002: Migration = {
  name: '002_search_date_indexes',
  async up(db) {
    await sql`
      create index search_documents_site_date on search_documents (site_code, publish_at desc) where state = 'published';
      create index search_documents_category_date on search_documents (category, publish_at desc) where state = 'published';
    `.execute(db);
  },
};

/**
 * Date and site lexemes (analyze.ts dateLexemes, siteLexeme) for rows indexed before they
 * existed, so the engine's date windows and site filters (GIN conditions) see every document.
 * Idempotent: rows that have them are left alone (a table indexed by this version is only read).
 * On a large index this reads the whole table once; 重建索引 gives the same result.
 */
const m003: Migration = {
  name: '003_search_filter_lexemes',
  async up(db) {
    const site = sql`'zzs' || replace(site_id::text, '-', '')`;
    const day = sql`'zzd' || to_char(publish_at at time zone 'Asia/Shanghai', 'YYYYMMDD')`;
    await sql`
      update search_documents
      set tsv = tsv || array_to_tsvector(array[${site}]) || case when publish_at is null then ''::tsvector
        else array_to_tsvector(array[
          'zzy' || to_char(publish_at at time zone 'Asia/Shanghai', 'YYYY'),
          'zzm' || to_char(publish_at at time zone 'Asia/Shanghai', 'YYYYMM'),
          ${day}]) end
      where not tsv @@ (${site})::tsquery
         or (publish_at is not null and not tsv @@ (${day})::tsquery)`.execute(db);
  },
};

export const searchMigrations: Migration[] = [m001, m002, m003];
