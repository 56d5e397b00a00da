import { diffArrays } from 'diff';
import type { Tx } from '../../kernel/db.js';
import type { DocumentRow } from './documents.schema.js';

/*
 * 版本: every change of a document stores a snapshot of its editable fields and state. Two
 * snapshots compare field by field; the bodies compare token by token (Chinese character by
 * character, since the language has no spaces) into HTML marked with <ins>/<del> for the console.
 */

/** Fields kept in a version, in the order the console lists them. */
export const VERSIONED_FIELDS = [
  'title',
  'subtitle',
  'short_title',
  'type',
  'source',
  'author',
  'publish_at',
  'summary',
  'keywords',
  'cover_file_id',
  'link_url',
  'attachments',
  'tags',
  'custom',
  'channel_id',
  'site_id',
  'state',
  'pinned_until',
  'new_until',
  'scheduled_publish_at',
  'scheduled_withdraw_at',
  'body_html',
  'body_json',
] as const satisfies readonly (keyof DocumentRow)[];

export type Snapshot = Partial<Record<(typeof VERSIONED_FIELDS)[number], unknown>>;

/** What a version records: the action that produced it ('create', 'save', 'submit', …). */
export type VersionAction =
  | 'create'
  | 'save'
  | 'submit'
  | 'approve'
  | 'reject'
  | 'publish'
  | 'withdraw'
  | 'move'
  | 'restore'
  | 'restore-version'
  | 'delete'
  | 'schedule';

export function snapshotOf(doc: DocumentRow): Snapshot {
  const snap: Snapshot = {};
  for (const field of VERSIONED_FIELDS) {
    const value = doc[field];
    snap[field] = value instanceof Date ? value.toISOString() : (value ?? null);
  }
  return snap;
}

export async function recordVersion(
  tx: Tx,
  doc: DocumentRow,
  action: VersionAction,
  savedBy: string | null,
): Promise<void> {
  await tx
    .insertInto('cms_document_versions')
    .values({
      document_id: doc.id,
      version: doc.version,
      action,
      snapshot: JSON.stringify(snapshotOf(doc)),
      saved_by: savedBy,
    })
    .execute();
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** The fields whose values differ, body_html and body_json excepted (see `diffBodies`). */
export function diffFields(from: Snapshot, to: Snapshot): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of VERSIONED_FIELDS) {
    if (field === 'body_html' || field === 'body_json') continue;
    const a = from[field] ?? null;
    const b = to[field] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) changes.push({ field, from: a, to: b });
  }
  return changes;
}

/** Tags, entities, single CJK characters, words, runs of space, anything else one by one. */
const TOKEN =
  /<[^>]*>|&[#a-zA-Z0-9]+;|[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]|[A-Za-z0-9_]+|\s+|[\s\S]/g;

export function tokenize(html: string): string[] {
  return html.match(TOKEN) ?? [];
}

const isTag = (token: string) => token.startsWith('<');

export interface BodyChange {
  kind: 'equal' | 'insert' | 'delete';
  value: string;
}

export interface BodyDiff {
  changes: BodyChange[];
  /**
   * The newer body with inserted text in <ins> and removed text in <del>. Markup of the newer
   * body is kept; removed markup is dropped so the result stays well-formed enough to render.
   */
  html: string;
  inserted: number;
  deleted: number;
}

function wrap(tokens: string[], tag: 'ins' | 'del', keepTags: boolean): string {
  let out = '';
  let run = '';
  const flush = () => {
    if (run.trim()) out += `<${tag}>${run}</${tag}>`;
    else out += run;
    run = '';
  };
  for (const token of tokens) {
    if (isTag(token)) {
      flush();
      if (keepTags) out += token;
    } else {
      run += token;
    }
  }
  flush();
  return out;
}

/** Both inputs are bodies already sanitized on save, so the marked-up result is safe to show. */
export function diffBodies(fromHtml: string, toHtml: string): BodyDiff {
  const parts = diffArrays(tokenize(fromHtml), tokenize(toHtml));
  let html = '';
  let inserted = 0;
  let deleted = 0;
  const changes: BodyChange[] = [];
  for (const part of parts) {
    const value = part.value.join('');
    const textLength = part.value.filter((t) => !isTag(t)).join('').length;
    if (part.added) {
      html += wrap(part.value, 'ins', true);
      inserted += textLength;
      changes.push({ kind: 'insert', value });
    } else if (part.removed) {
      html += wrap(part.value, 'del', false);
      deleted += textLength;
      changes.push({ kind: 'delete', value });
    } else {
      html += value;
      changes.push({ kind: 'equal', value });
    }
  }
  return { changes, html, inserted, deleted };
}
