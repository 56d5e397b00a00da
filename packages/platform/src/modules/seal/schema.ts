import { sql } from 'kysely';
import type { Migration } from '../../kernel/migrations.js';

/*
 * 电子印章 tables. Seal images live in kernel `files` (the normalised PNG); private keys are stored
 * SM4-encrypted with the installation key (never returned); each signature is one `seal_records` row.
 */
export const sealMigrations: Migration[] = [
  {
    name: '001_seal',
    async up(db) {
      await sql`
        create table seal_images (
          id uuid primary key default gen_random_uuid(),
          name text not null,
          source text not null check (source in ('upload', 'generated')),
          format text not null,
          width_px integer not null,
          height_px integer not null,
          width_mm numeric not null,
          height_mm numeric not null,
          dpi integer not null,
          has_alpha boolean not null,
          opaque_background boolean not null,
          spec jsonb,
          file_id uuid not null references files(id),
          sha256 text not null,
          size integer not null,
          created_by text,
          created_by_name text,
          created_at timestamptz not null default now()
        );

        create table seal_ca (
          algorithm text primary key,
          key_enc text not null,
          cert_pem text not null,
          created_at timestamptz not null default now()
        );

        create table seal_keys (
          id uuid primary key default gen_random_uuid(),
          name text not null,
          algorithm text not null check (algorithm in ('sm2', 'rsa')),
          rsa_bits integer,
          source text not null check (source in ('generated', 'imported')),
          key_enc text not null,
          cert_pem text,
          chain_pem text,
          issued_by_dev_ca boolean not null default false,
          not_after timestamptz,
          version integer not null default 1,
          created_by text,
          created_by_name text,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        );

        create table seal_seals (
          id uuid primary key default gen_random_uuid(),
          name text not null,
          type text not null check (type in ('official', 'contract', 'finance', 'business', 'legal_person')),
          code text,
          org_id uuid,
          image_id uuid not null references seal_images(id),
          key_id uuid not null references seal_keys(id),
          valid_from timestamptz,
          valid_to timestamptz,
          status text not null default 'enabled' check (status in ('enabled', 'disabled', 'retired')),
          description text not null default '',
          created_by text,
          created_by_name text,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        );

        create table seal_authorizations (
          id uuid primary key default gen_random_uuid(),
          seal_id uuid not null references seal_seals(id),
          subject_type text not null check (subject_type in ('user', 'org', 'client')),
          subject_id text not null,
          subject_name text not null,
          max_uses integer,
          used_count integer not null default 0,
          valid_from timestamptz,
          valid_to timestamptz,
          note text not null default '',
          created_by text,
          created_by_name text,
          created_at timestamptz not null default now(),
          revoked_at timestamptz,
          check (max_uses is null or used_count <= max_uses)
        );
        create index seal_authorizations_seal on seal_authorizations (seal_id);
        create index seal_authorizations_subject on seal_authorizations (subject_type, subject_id);

        create table seal_batches (
          id uuid primary key default gen_random_uuid(),
          seal_id uuid not null references seal_seals(id),
          job_id text,
          options jsonb not null,
          total integer not null,
          status text not null default 'queued',
          actor jsonb not null,
          created_at timestamptz not null default now()
        );
        create table seal_batch_items (
          batch_id uuid not null references seal_batches(id),
          idx integer not null,
          file_name text not null,
          input_sha256 text not null,
          status text not null default 'pending',
          record_id uuid,
          verify_code text,
          output_sha256 text,
          error jsonb,
          primary key (batch_id, idx)
        );

        create table seal_records (
          id uuid primary key default gen_random_uuid(),
          verify_code text not null unique,
          seal_id uuid not null references seal_seals(id),
          authorization_id uuid references seal_authorizations(id),
          format text not null,
          file_name text not null,
          input_size bigint not null,
          output_size bigint not null,
          input_sha256 text not null,
          input_sm3 text not null,
          output_sha256 text not null,
          output_sm3 text not null,
          actor_type text not null check (actor_type in ('user', 'client')),
          actor_id text not null,
          actor_name text not null,
          ip text,
          batch_id uuid references seal_batches(id),
          created_at timestamptz not null default now()
        );
        create index seal_records_seal on seal_records (seal_id, created_at);
        create index seal_records_actor on seal_records (actor_id, created_at);
        create index seal_records_output on seal_records (output_sha256);
      `.execute(db);
    },
  },
  {
    // 用章审批: a seal may require each use to be approved through the workflow module (seal-use).
    name: '002_seal_use_requests',
    async up(db) {
      await sql`
        alter table seal_seals add column requires_approval boolean not null default false;

        create table seal_use_requests (
          id uuid primary key default gen_random_uuid(),
          seal_id uuid not null references seal_seals(id),
          applicant_id uuid not null,
          applicant_name text not null,
          applicant_org_id uuid,
          reason text not null,
          count_limit integer check (count_limit is null or count_limit > 0),
          valid_from timestamptz,
          valid_to timestamptz,
          state text not null default 'pending'
            check (state in ('pending', 'approved', 'rejected', 'withdrawn', 'cancelled')),
          workflow_instance_id uuid,
          decided_by uuid,
          decided_by_name text,
          decided_at timestamptz,
          opinion text,
          authorization_id uuid references seal_authorizations(id),
          created_at timestamptz not null default now()
        );
        create index seal_use_requests_applicant on seal_use_requests (applicant_id, created_at);
        create index seal_use_requests_seal on seal_use_requests (seal_id, state);
        create index seal_use_requests_instance on seal_use_requests (workflow_instance_id);

        -- Authorizations made by an approved request; for seals that require approval only these count.
        alter table seal_authorizations add column request_id uuid references seal_use_requests(id);
      `.execute(db);
    },
  },
];
