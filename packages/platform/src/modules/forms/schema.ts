import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';

/*
 * A definition row holds the editable draft; publishing copies the draft into an immutable
 * version row. Callers (workflow tasks, 一件事 applications) store the form key and version they
 * used, so a published version never changes under stored data.
 */
export const formsMigrations: Migration[] = [
  {
    name: '001_forms',
    async up(db) {
      await sql`
        create table forms_definitions (
          id uuid primary key default gen_random_uuid(),
          key text not null unique,
          name text not null,
          description text not null default '',
          draft_schema jsonb not null,
          draft_ui_schema jsonb not null,
          draft_revision integer not null default 1,
          latest_version integer,
          published_revision integer,
          created_by text,
          updated_by text,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        );
        create table forms_versions (
          form_id uuid not null references forms_definitions(id),
          version integer not null,
          name text not null,
          schema jsonb not null,
          ui_schema jsonb not null,
          published_by text,
          published_at timestamptz not null default now(),
          primary key (form_id, version)
        );
      `.execute(db);
    },
  },
];
