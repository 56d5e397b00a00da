import type { DocumentState } from '../cms/api';

/*
 * Shapes of the /api/search answers (docs/decisions/0004-search-contracts.md) as the console uses
 * them. Only the fields a page reads are listed; the server may send more.
 */

/** 结果类别: how a result is shown (article, policy file, service guide …). */
export type ResultKind = 'article' | 'policy' | 'service' | 'leader' | 'topic' | 'interaction' | 'image' | 'video';

export interface Correction {
  from: string;
  to: string;
}

/** One hit of 全局搜索 (published and unpublished documents of every site the user may read). */
export interface GlobalItem {
  id: string;
  title: string;
  /** HTML-escaped title with the matches in <em>. */
  titleHtml?: string | null;
  /** HTML-escaped body excerpt with <em> highlights (with `field=all`), when the server sends one. */
  snippet?: string | null;
  state: DocumentState;
  stateName?: string;
  siteId: string;
  siteName: string;
  siteCode?: string;
  channelId: string;
  channelName: string;
  kind: ResultKind;
  /** 栏目分类 code of the document's channel */
  category?: string | null;
  docType?: string;
  publishAt?: string | null;
  createdAt: string;
  updatedAt?: string;
  /** Public page URL (meaningful once published). */
  url?: string | null;
}

export interface GlobalAnswer {
  items: GlobalItem[];
  total: number;
  correction?: Correction | null;
  expansions?: { term: string; to: string[] }[];
  blocked?: boolean;
}

export type BatchAction = 'withdraw' | 'publish' | 'move' | 'delete';

export interface BatchResult {
  id: string;
  ok: boolean;
  status?: number;
  code?: string;
  title?: string;
  detail?: string;
}

export interface Suggestion {
  text: string;
  source: 'hot' | 'title' | 'term';
}

/** 检索词典 kinds: 百姓体, 敏感词屏蔽, 同义词, 用户词典. */
export type TermKind = 'plain' | 'blocked' | 'synonym' | 'user';

export interface Term {
  id: string;
  kind: TermKind;
  term: string;
  targets: string[];
  note: string | null;
  enabled: boolean;
  updatedAt: string;
  updatedBy?: string | null;
}

export interface TermInput {
  term: string;
  targets?: string[];
  note?: string | null;
  enabled?: boolean;
}

export interface QueryLogEntry {
  id: string;
  query: string;
  searched?: string | null;
  correction?: string | null;
  total: number;
  blocked: boolean;
  site?: string | null;
  at: string;
  ms?: number | null;
}

export interface QueryStats {
  totals: { queries: number; distinct: number; zeroResult: number; blocked: number };
  daily: { date: string; queries: number; zeroResult: number }[];
  hot: { query: string; count: number }[];
  zeroResults: { query: string; count: number; lastAt: string }[];
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobView {
  id: string;
  status: JobStatus;
  done: number;
  total: number;
  message?: string | null;
  error?: string | null;
}

export interface IndexStatus {
  documents: number;
  published: number;
  lastBuiltAt: string | null;
  job: JobView | null;
}
