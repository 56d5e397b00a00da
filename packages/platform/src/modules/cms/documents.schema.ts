import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';

/*
 * Documents (信息), their saved versions and the review trail. Runs after the sites/channels
 * migration of the same module (see schema.ts).
 */

export type DocumentType = 'text' | 'gallery' | 'video' | 'link';
export type DocumentState = 'draft' | 'pending' | 'published' | 'withdrawn';

export interface DocumentRow {
  id: string;
  site_id: string;
  channel_id: string;
  type: DocumentType;
  title: string;
  subtitle: string | null;
  short_title: string | null;
  source: string | null;
  author: string | null;
  publish_at: Date | null;
  summary: string | null;
  keywords: string | null;
  cover_file_id: string | null;
  /** TipTap document; null when only HTML is known (API clients, generated demo documents). */
  body_json: unknown;
  body_html: string;
  link_url: string | null;
  attachments: string[];
  tags: string[];
  custom: Record<string, unknown>;
  state: DocumentState;
  /**
   * While pending: the review level awaited (1 or 2); 0 once every level approved and the
   * document waits for its scheduled publish time. 0 in other states.
   */
  review_step: number;
  pinned_until: Date | null;
  new_until: Date | null;
  scheduled_publish_at: Date | null;
  scheduled_withdraw_at: Date | null;
  /** 引用: the source document whose content this row shows. */
  reference_of: string | null;
  /** 推送: the document this copy was pushed from. */
  pushed_from: string | null;
  deleted_at: Date | null;
  version: number;
  created_by: string | null;
  updated_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const m002: Migration = {
  name: '002_documents',
  async up(db) {
    await sql`
      create table cms_documents (
        id uuid primary key default gen_random_uuid(),
        site_id uuid not null references cms_sites(id),
        channel_id uuid not null references cms_channels(id),
        type text not null default 'text' check (type in ('text', 'gallery', 'video', 'link')),
        title text not null,
        subtitle text,
        short_title text,
        source text,
        author text,
        publish_at timestamptz,
        summary text,
        keywords text,
        cover_file_id uuid,
        body_json jsonb,
        body_html text not null default '',
        link_url text,
        attachments uuid[] not null default '{}',
        tags text[] not null default '{}',
        custom jsonb not null default '{}',
        state text not null default 'draft' check (state in ('draft', 'pending', 'published', 'withdrawn')),
        review_step integer not null default 0,
        pinned_until timestamptz,
        new_until timestamptz,
        scheduled_publish_at timestamptz,
        scheduled_withdraw_at timestamptz,
        reference_of uuid references cms_documents(id) on delete cascade,
        pushed_from uuid references cms_documents(id) on delete set null,
        deleted_at timestamptz,
        version integer not null default 1,
        created_by uuid,
        updated_by uuid,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index cms_documents_channel on cms_documents (channel_id, publish_at desc) where deleted_at is null;
      create index cms_documents_site on cms_documents (site_id, updated_at desc) where deleted_at is null;
      create index cms_documents_state on cms_documents (state, site_id) where deleted_at is null;
      create index cms_documents_author on cms_documents (created_by, updated_at desc);
      create index cms_documents_bin on cms_documents (site_id, deleted_at) where deleted_at is not null;
      create index cms_documents_reference on cms_documents (reference_of) where reference_of is not null;
      create index cms_documents_due_publish on cms_documents (scheduled_publish_at)
        where state = 'pending' and review_step = 0 and deleted_at is null;
      create index cms_documents_due_withdraw on cms_documents (scheduled_withdraw_at)
        where state = 'published' and deleted_at is null;

      create table cms_document_versions (
        document_id uuid not null references cms_documents(id) on delete cascade,
        version integer not null,
        action text not null,
        snapshot jsonb not null,
        saved_by uuid,
        saved_at timestamptz not null default now(),
        primary key (document_id, version)
      );

      create table cms_review_actions (
        id uuid primary key default gen_random_uuid(),
        document_id uuid not null references cms_documents(id) on delete cascade,
        step integer not null,
        action text not null check (action in ('submit', 'approve', 'reject')),
        reviewer_id uuid,
        comment text,
        at timestamptz not null default clock_timestamp()
      );
      create index cms_review_actions_document on cms_review_actions (document_id, at);
    `.execute(db);
  },
};

export const documentMigrations: Migration[] = [m002];
