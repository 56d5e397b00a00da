import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';

/*
 * 文书模板: a template row (code, name, kind) and its versions. Every save appends a version;
 * the template points at its current one, and rolling back copies an old version forward, so
 * history is never rewritten. A .docx template's bytes are a kernel file (files table).
 */
export const pdfgenMigrations: Migration[] = [
  {
    name: '001_pdfgen_templates',
    async up(db) {
      await sql`
        create table pdfgen_templates (
          id uuid primary key default gen_random_uuid(),
          code text not null unique,
          name text not null,
          kind text not null check (kind in ('html', 'docx')),
          description text not null default '',
          status text not null default 'enabled' check (status in ('enabled', 'disabled')),
          current_version integer not null default 1,
          created_by text,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        );
        create table pdfgen_template_versions (
          template_id uuid not null references pdfgen_templates(id) on delete cascade,
          version integer not null,
          body text,
          docx_file_id uuid references files(id),
          page jsonb not null,
          data_schema jsonb,
          sample_data jsonb,
          comment text not null default '',
          saved_by text,
          saved_by_name text,
          saved_at timestamptz not null default now(),
          primary key (template_id, version)
        );
      `.execute(db);
    },
  },
];
