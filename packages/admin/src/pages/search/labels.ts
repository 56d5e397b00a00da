import type { ResultKind, TermKind } from './api';

/** Chinese names of the search module's codes, in one place so every page says the same thing. */

export const RESULT_KIND: Record<ResultKind, string> = {
  article: '文章',
  policy: '政策文件',
  service: '办事指南',
  leader: '领导信息',
  topic: '专题',
  interaction: '互动',
  image: '图片',
  video: '视频',
};

export const TERM_KIND: Record<TermKind, { name: string; hint: string; targets?: string }> = {
  plain: {
    name: '百姓体',
    hint: '群众的口头用语对应的规范用语：检索「生孩子」时同时查找「生育登记」「出生医学证明」。',
    targets: '规范用语',
  },
  blocked: {
    name: '屏蔽词',
    hint: '含屏蔽词的检索不返回任何结果，并记入检索日志。',
  },
  synonym: {
    name: '同义词',
    hint: '同一组中的词互为同义：检索其中任一个词时，其余的词也参与匹配。',
    targets: '同义词',
  },
  user: {
    name: '用户词典',
    hint: '分词时保持完整的专有名词（如「一件事一次办」）。新增后需重建索引，已入库的信息才会按新词重新分词。',
  },
};

export const TERM_KINDS = Object.keys(TERM_KIND) as TermKind[];
