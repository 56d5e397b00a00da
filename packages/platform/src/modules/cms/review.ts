import { sql } from 'kysely';
import type { Principal } from '../../kernel/auth.js';
import type { Db, Tx } from '../../kernel/db.js';
import { conflict, forbidden } from '../../kernel/errors.js';
import type { Kernel } from '../../kernel/module.js';
import { type Page, pageBounds } from '../settings/context.js';
import { completeTask, openTasksByBusinessKey, startInstance, terminateByBusinessKey } from '../workflow/index.js';
import type { DocumentRow } from './documents.schema.js';
import type { ReviewMode } from './schema.js';
import { accessibleSiteIds, assertSiteAccess, canOnSite } from './scope.js';

/*
 * 审核. The documents service talks only to a ReviewProvider, so the workflow module can later
 * register its own (any number of steps, other routing) without the CMS's callers changing.
 * The built-in provider follows the channel's review_mode: none / one level / two levels.
 */

/** What review made of a document: still waiting at a level, approved, or sent back. */
export type ReviewOutcome = { result: 'pending'; step: number } | { result: 'approved' } | { result: 'rejected' };

export interface InboxItem {
  id: string;
  title: string;
  siteId: string;
  siteName: string;
  channelId: string;
  channelName: string;
  reviewStep: number;
  reviewLevels: number;
  createdBy: string | null;
  authorName: string | null;
  submittedAt: Date | null;
  updatedAt: Date;
}

export interface ReviewProvider {
  name: string;
  /** The author hands the document in; records the submission. */
  submit(tx: Tx, doc: DocumentRow, principal: Principal): Promise<ReviewOutcome>;
  /** A reviewer's decision at the document's current step; checks they may take it. */
  decide(
    tx: Tx,
    doc: DocumentRow,
    principal: Principal,
    decision: 'approve' | 'reject',
    comment: string | null,
  ): Promise<ReviewOutcome>;
  /** Documents waiting for this principal's decision. */
  inbox(principal: Principal, page: Page): Promise<{ items: InboxItem[]; total: number }>;
}

async function recordAction(
  tx: Tx,
  documentId: string,
  step: number,
  action: 'submit' | 'approve' | 'reject',
  actorId: string,
  comment: string | null,
): Promise<void> {
  await tx
    .insertInto('cms_review_actions')
    .values({ document_id: documentId, step, action, reviewer_id: actorId, comment })
    .execute();
}

/** Levels a document needs: the channel's mode; a pushed document always gets at least one. */
async function levelsFor(tx: Tx, doc: DocumentRow): Promise<number> {
  return (await channelReview(tx, doc)).levels;
}

async function channelReview(tx: Tx, doc: DocumentRow): Promise<{ levels: number; process: string | null }> {
  const channel = await tx
    .selectFrom('cms_channels')
    .select(['review_mode', 'review_process'])
    .where('id', '=', doc.channel_id)
    .executeTakeFirstOrThrow();
  const levels = { none: 0, one: 1, two: 2 }[channel.review_mode as ReviewMode];
  return { levels: doc.pushed_from ? Math.max(1, levels) : levels, process: channel.review_process ?? null };
}

async function siteOf(tx: Tx, siteId: string) {
  return tx
    .selectFrom('cms_sites')
    .select(['id', 'name', 'owner_org_id'])
    .where('id', '=', siteId)
    .executeTakeFirstOrThrow();
}

/** Actions since the document's last submission (the current review round). */
async function currentRound(tx: Tx, documentId: string) {
  const rows = await tx
    .selectFrom('cms_review_actions')
    .select(['step', 'action', 'reviewer_id', 'at'])
    .where('document_id', '=', documentId)
    .orderBy('at', 'desc')
    .orderBy('id')
    .execute();
  const lastSubmit = rows.findIndex((r) => r.action === 'submit');
  return lastSubmit < 0 ? rows : rows.slice(0, lastSubmit + 1);
}

/** The reviewer-side checks both providers share: pending, site permission, four-eyes rules. */
async function assertMayDecide(tx: Tx, doc: DocumentRow, principal: Principal, decision: 'approve' | 'reject') {
  if (doc.state !== 'pending' || doc.review_step < 1) {
    throw conflict('document_not_pending', '该信息不在待审核状态');
  }
  assertSiteAccess(principal, 'document:review', await siteOf(tx, doc.site_id));
  const round = await currentRound(tx, doc.id);
  const submitter = round.find((r) => r.action === 'submit')?.reviewer_id;
  if (doc.created_by === principal.userId || submitter === principal.userId) {
    throw forbidden('review_own_document', '不能审核自己编写或提交的信息');
  }
  const approvedEarlier = round.some((r) => r.action === 'approve' && r.reviewer_id === principal.userId);
  if (decision === 'approve' && approvedEarlier) {
    throw forbidden('review_same_reviewer', '二级审核须由另一位审核员完成');
  }
}

export function builtinReviewProvider(kernel: Kernel): ReviewProvider {
  return {
    name: 'builtin',

    async submit(tx, doc, principal) {
      const levels = await levelsFor(tx, doc);
      await recordAction(tx, doc.id, 0, 'submit', principal.userId, null);
      if (levels === 0) {
        const site = await siteOf(tx, doc.site_id);
        // 无需审核 still needs someone entitled to publish; an editor without it waits for one.
        if (canOnSite(principal, 'document:publish', site)) return { result: 'approved' };
      }
      return { result: 'pending', step: 1 };
    },

    async decide(tx, doc, principal, decision, comment) {
      await assertMayDecide(tx, doc, principal, decision);
      await recordAction(tx, doc.id, doc.review_step, decision, principal.userId, comment);
      if (decision === 'reject') return { result: 'rejected' };
      const levels = Math.max(1, await levelsFor(tx, doc));
      return doc.review_step >= levels ? { result: 'approved' } : { result: 'pending', step: doc.review_step + 1 };
    },

    async inbox(principal, page) {
      const siteIds = await accessibleSiteIds(kernel.db, principal, 'document:review');
      if (siteIds && siteIds.length === 0) return { items: [], total: 0 };
      let base = kernel.db
        .selectFrom('cms_documents as d')
        .innerJoin('cms_sites as s', 's.id', 'd.site_id')
        .innerJoin('cms_channels as c', 'c.id', 'd.channel_id')
        .leftJoin('identity_users as u', 'u.id', 'd.created_by')
        .where('d.state', '=', 'pending')
        .where('d.review_step', '>=', 1)
        .where('d.deleted_at', 'is', null)
        .where((eb) => eb.or([eb('d.created_by', 'is', null), eb('d.created_by', '!=', principal.userId)]))
        // A second-level reviewer never sees what they approved at the first level.
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('cms_review_actions as a')
                .select('a.id')
                .whereRef('a.document_id', '=', 'd.id')
                .where('a.reviewer_id', '=', principal.userId)
                .where('a.action', '=', 'approve')
                .where(
                  'a.at',
                  '>',
                  sql<Date>`(select max(b.at) from cms_review_actions b where b.document_id = d.id and b.action = 'submit')`,
                ),
            ),
          ),
        );
      if (siteIds) base = base.where('d.site_id', 'in', siteIds);
      const { limit, offset } = pageBounds(page);
      const [rows, count] = await Promise.all([
        base
          .select([
            'd.id',
            'd.title',
            'd.site_id',
            's.name as site_name',
            'd.channel_id',
            'c.name as channel_name',
            'c.review_mode',
            'd.review_step',
            'd.pushed_from',
            'd.created_by',
            'u.display_name as author_name',
            'd.updated_at',
          ])
          .select((eb) =>
            eb
              .selectFrom('cms_review_actions as a')
              .select((a) => a.fn.max('a.at').as('at'))
              .whereRef('a.document_id', '=', 'd.id')
              .where('a.action', '=', 'submit')
              .as('submitted_at'),
          )
          .orderBy('d.updated_at')
          .limit(limit)
          .offset(offset)
          .execute(),
        base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        total: Number(count.n),
        items: rows.map((r) => ({
          id: r.id,
          title: r.title,
          siteId: r.site_id,
          siteName: r.site_name,
          channelId: r.channel_id,
          channelName: r.channel_name,
          reviewStep: r.review_step,
          reviewLevels: Math.max(r.pushed_from ? 1 : 0, { none: 1, one: 1, two: 2 }[r.review_mode as ReviewMode]),
          createdBy: r.created_by,
          authorName: r.author_name,
          submittedAt: r.submitted_at,
          updatedAt: r.updated_at,
        })),
      };
    },
  };
}

/** The workflow instance of a document's review round is found by this business key. */
export const reviewBusinessKey = (documentId: string) => `cms.document:${documentId}`;

/**
 * Review on a workflow process (the channel's `review_process`, e.g. the shipped `cms-review`):
 * submitting starts an instance with `{ documentId, siteId, siteOrgId, channelId, levels }`; a
 * decision completes the document's open task with outcome approve/reject. The same four-eyes
 * checks and the same cms_review_actions records as the built-in provider, so the inbox and the
 * review history read both alike; the workflow adds deadlines, the diagram and the task inbox.
 */
export function workflowReviewProvider(kernel: Kernel, fallback: ReviewProvider): ReviewProvider {
  return {
    name: 'workflow',

    async submit(tx, doc, principal) {
      const { levels, process } = await channelReview(tx, doc);
      if (!process || levels === 0) return fallback.submit(tx, doc, principal);
      await recordAction(tx, doc.id, 0, 'submit', principal.userId, null);
      const key = reviewBusinessKey(doc.id);
      // A round still open (e.g. the document was withdrawn while pending) is replaced.
      await terminateByBusinessKey(kernel, tx, key, principal.userId);
      const site = await siteOf(tx, doc.site_id);
      await startInstance(
        kernel,
        { principal },
        {
          definitionKey: process,
          businessKey: key,
          title: `审核：${doc.title}`,
          variables: {
            documentId: doc.id,
            siteId: doc.site_id,
            siteOrgId: site.owner_org_id,
            channelId: doc.channel_id,
            levels,
          },
        },
        tx,
      );
      return { result: 'pending', step: 1 };
    },

    async decide(tx, doc, principal, decision, comment) {
      // Channels without a process never touch the workflow tables (the cms runs without them).
      const { process } = await channelReview(tx, doc);
      const [task] = process ? await openTasksByBusinessKey(tx, reviewBusinessKey(doc.id)) : [];
      // Submitted before the channel switched to a process: finish it the built-in way.
      if (!task) return fallback.decide(tx, doc, principal, decision, comment);
      await assertMayDecide(tx, doc, principal, decision);
      const done = await completeTask(kernel, { principal }, task.id, { outcome: decision, opinion: comment }, tx, {
        callerAuthorized: true,
      });
      await recordAction(tx, doc.id, doc.review_step, decision, principal.userId, comment);
      if (decision === 'reject') return { result: 'rejected' };
      if (done.instanceState === 'completed') return { result: 'approved' };
      return { result: 'pending', step: doc.review_step + 1 };
    },

    inbox: (principal, page) => fallback.inbox(principal, page),
  };
}

const providers = new WeakMap<Kernel, ReviewProvider>();

/** Lets another module (workflow) take over review; the documents service asks for it each time. */
export function setReviewProvider(kernel: Kernel, provider: ReviewProvider): void {
  providers.set(kernel, provider);
}

export function reviewProviderOf(kernel: Kernel): ReviewProvider {
  let provider = providers.get(kernel);
  if (!provider) {
    // Channels without a review process fall through to the built-in review inside it.
    provider = workflowReviewProvider(kernel, builtinReviewProvider(kernel));
    providers.set(kernel, provider);
  }
  return provider;
}

export interface ReviewHistoryItem {
  id: string;
  step: number;
  action: 'submit' | 'approve' | 'reject';
  actorId: string | null;
  actorName: string | null;
  comment: string | null;
  at: Date;
}

/** 审核记录 of a document, oldest first. */
export async function reviewHistory(db: Db, documentId: string): Promise<ReviewHistoryItem[]> {
  const rows = await db
    .selectFrom('cms_review_actions as a')
    .leftJoin('identity_users as u', 'u.id', 'a.reviewer_id')
    .select(['a.id', 'a.step', 'a.action', 'a.reviewer_id', 'u.display_name', 'a.comment', 'a.at'])
    .where('a.document_id', '=', documentId)
    .orderBy('a.at')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    step: r.step,
    action: r.action,
    actorId: r.reviewer_id,
    actorName: r.display_name,
    comment: r.comment,
    at: r.at,
  }));
}
