import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';

/*
 * The `files` and `file_references` tables belong to the kernel (kernel/files.ts: every module
 * stores files); the cms only adds what is its own: the site a file was uploaded for (文件所属网站).
 * Numbered 050 so the documents' migrations (listed before these) keep the low numbers.
 */
export const fileMigrations: Migration[] = [
  {
    name: '050_files_site',
    async up(db) {
      await sql`
        alter table files add column site_id uuid references cms_sites(id);
        create index files_site on files (site_id, created_at);
      `.execute(db);
    },
  },
];
