import { DeleteOutlined, EditOutlined, ImportOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Input, Modal, Popconfirm, Space, Switch, Table, Tabs, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ApiError, api, errorMessage } from '../../api/client';
import { useCan } from '../../auth/session';
import { usePagedList } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import type { Term, TermKind } from './api';
import { IndexStatusButton } from './IndexPanel';
import { TERM_KIND, TERM_KINDS } from './labels';
import { type ImportProblem, parseTermLines } from './logic';
import { TermModal } from './TermModal';

/**
 * 检索词典: 百姓体, 屏蔽词, 同义词 and 用户词典, one tab each (?kind= keeps the tab across reloads).
 * Changes apply to the next query at once; user-dictionary words re-segment old documents only
 * after an index rebuild, which the page offers next to that tab.
 */
export default function SearchDictionariesPage() {
  const [params, setParams] = useSearchParams();
  const kindParam = params.get('kind') as TermKind | null;
  const kind: TermKind = kindParam && kindParam in TERM_KIND ? kindParam : 'plain';
  return (
    <PageCard title="检索词典" extra={<IndexStatusButton />}>
      <Tabs
        activeKey={kind}
        onChange={(k) => setParams({ kind: k })}
        destroyOnHidden
        items={TERM_KINDS.map((k) => ({ key: k, label: TERM_KIND[k].name, children: <TermTable kind={k} /> }))}
      />
    </PageCard>
  );
}

function TermTable({ kind }: { kind: TermKind }) {
  const can = useCan();
  const { message } = App.useApp();
  const labels = TERM_KIND[kind];
  const [q, setQ] = useState('');
  const filters = useMemo(() => ({ q: q || undefined }), [q]);
  const { data, loading, pagination, reload } = usePagedList<Term>(`/search/dictionaries/${kind}`, filters);
  const [editing, setEditing] = useState<Term | 'new' | null>(null);
  const [importing, setImporting] = useState(false);
  const writable = can('search:dictionary');

  const patch = async (term: Term, body: Partial<Term>, done: string) => {
    try {
      await api.patch(`/search/dictionaries/${kind}/${term.id}`, body);
      message.success(done);
    } catch (error) {
      message.error(errorMessage(error));
    }
    reload();
  };
  const remove = async (term: Term) => {
    try {
      await api.delete(`/search/dictionaries/${kind}/${term.id}`);
      message.success(`已删除「${term.term}」`);
    } catch (error) {
      message.error(errorMessage(error));
    }
    reload();
  };

  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      <Alert type="info" showIcon message={labels.hint} />
      <Space wrap>
        <Input.Search
          aria-label={`搜索${labels.name}`}
          placeholder={labels.targets ? `词条或${labels.targets}` : '词条'}
          allowClear
          onSearch={(v) => setQ(v.trim())}
          style={{ width: 240 }}
        />
        {writable && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
            添加{labels.name}
          </Button>
        )}
        {writable && (
          <Button icon={<ImportOutlined />} onClick={() => setImporting(true)}>
            批量导入
          </Button>
        )}
      </Space>
      <Table<Term>
        rowKey="id"
        aria-label={`${labels.name}列表`}
        loading={loading}
        dataSource={data.items}
        pagination={pagination}
        columns={[
          { title: kind === 'plain' ? '口语词' : '词条', dataIndex: 'term', width: 200 },
          ...(labels.targets
            ? [
                {
                  title: labels.targets,
                  dataIndex: 'targets',
                  render: (targets: string[]) => targets.map((t) => <Tag key={t}>{t}</Tag>),
                },
              ]
            : []),
          { title: '备注', dataIndex: 'note', ellipsis: true, render: (v: string | null) => v || '—' },
          {
            title: '启用',
            dataIndex: 'enabled',
            width: 80,
            render: (enabled: boolean, term: Term) => (
              <Switch
                size="small"
                aria-label={`启用「${term.term}」`}
                checked={enabled}
                disabled={!writable}
                onChange={(v) => patch(term, { enabled: v }, v ? `已启用「${term.term}」` : `已停用「${term.term}」`)}
              />
            ),
          },
          { title: '更新时间', dataIndex: 'updatedAt', width: 170, render: formatTime },
          ...(writable
            ? [
                {
                  title: '操作',
                  width: 100,
                  render: (_: unknown, term: Term) => (
                    <Space size={4}>
                      <Button
                        type="text"
                        size="small"
                        icon={<EditOutlined />}
                        aria-label={`编辑「${term.term}」`}
                        onClick={() => setEditing(term)}
                      />
                      <Popconfirm
                        title={`删除「${term.term}」？`}
                        okButtonProps={{ danger: true }}
                        onConfirm={() => remove(term)}
                      >
                        <Button
                          type="text"
                          size="small"
                          danger
                          icon={<DeleteOutlined />}
                          aria-label={`删除「${term.term}」`}
                        />
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing && (
        <TermModal
          kind={kind}
          term={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
      {importing && (
        <ImportModal
          kind={kind}
          onClose={() => setImporting(false)}
          onDone={() => {
            setImporting(false);
            reload();
          }}
        />
      )}
    </Space>
  );
}

const EXAMPLES: Record<TermKind, string> = {
  plain: '生孩子 → 生育登记，出生医学证明\n办身份证 = 居民身份证申领',
  blocked: '每行一个词，或用逗号分隔',
  synonym: '医保，医疗保险，基本医疗保险\n公积金 → 住房公积金',
  user: '一件事一次办\n不动产登记，营业执照',
};

interface ImportOutcome {
  created: number;
  existing: string[];
  failed: ImportProblem[];
}

/**
 * 批量导入: pasted lines become entries, one POST each so a word that already exists (409) or is
 * refused does not stop the rest; the result lists what was skipped and why.
 */
function ImportModal({ kind, onClose, onDone }: { kind: TermKind; onClose: () => void; onDone: () => void }) {
  const [text, setText] = useState('');
  const [running, setRunning] = useState<{ done: number; total: number } | null>(null);
  const [outcome, setOutcome] = useState<ImportOutcome | null>(null);
  const parsed = useMemo(() => parseTermLines(kind, text), [kind, text]);
  const labels = TERM_KIND[kind];

  const run = async () => {
    const result: ImportOutcome = { created: 0, existing: [], failed: [...parsed.problems] };
    setRunning({ done: 0, total: parsed.rows.length });
    for (const [i, row] of parsed.rows.entries()) {
      try {
        await api.post(`/search/dictionaries/${kind}`, { ...row, enabled: true });
        result.created++;
      } catch (error) {
        if (error instanceof ApiError && error.code === 'search_term_exists') result.existing.push(row.term);
        else result.failed.push({ line: 0, text: row.term, message: errorMessage(error) });
      }
      setRunning({ done: i + 1, total: parsed.rows.length });
    }
    setRunning(null);
    setOutcome(result);
  };

  if (outcome)
    return (
      <Modal
        open
        title="导入结果"
        okText="完成"
        onOk={onDone}
        onCancel={onDone}
        cancelButtonProps={{ style: { display: 'none' } }}
      >
        <Typography.Paragraph>
          已导入 {outcome.created} 条
          {outcome.existing.length > 0 && `，${outcome.existing.length} 条已存在未导入：${outcome.existing.join('、')}`}
        </Typography.Paragraph>
        {outcome.failed.length > 0 && (
          <Alert
            type="warning"
            showIcon
            message={`${outcome.failed.length} 行未导入`}
            description={
              <ul style={{ margin: 0, paddingLeft: 20 }}>
                {outcome.failed.map((p) => (
                  <li key={`${p.line}:${p.text}`}>
                    {p.line ? `第 ${p.line} 行 ` : ''}「{p.text}」：{p.message}
                  </li>
                ))}
              </ul>
            }
          />
        )}
      </Modal>
    );

  return (
    <Modal
      open
      width={640}
      title={`批量导入${labels.name}`}
      okText={parsed.rows.length ? `导入 ${parsed.rows.length} 条` : '导入'}
      okButtonProps={{ disabled: !parsed.rows.length }}
      confirmLoading={running !== null}
      onOk={run}
      onCancel={onClose}
    >
      <Typography.Paragraph type="secondary">
        每行一条。{labels.targets ? `格式：词条 → ${labels.targets}（可用 = 或 : 代替箭头，多个用逗号分隔）。` : ''}以 #
        开头的行忽略。
      </Typography.Paragraph>
      <Input.TextArea
        aria-label="粘贴词条"
        rows={10}
        value={text}
        placeholder={EXAMPLES[kind]}
        onChange={(e) => setText(e.target.value)}
        disabled={running !== null}
      />
      <Typography.Paragraph style={{ marginTop: 8, marginBottom: 0 }}>
        {running
          ? `正在导入 ${running.done}/${running.total} …`
          : `可导入 ${parsed.rows.length} 条${parsed.problems.length ? `，${parsed.problems.length} 行格式有误` : ''}`}
      </Typography.Paragraph>
      {parsed.problems.length > 0 && !running && (
        <ul style={{ color: '#cf1322', margin: 0, paddingLeft: 20 }}>
          {parsed.problems.slice(0, 10).map((p) => (
            <li key={`${p.line}:${p.text}`}>
              第 {p.line} 行「{p.text}」：{p.message}
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}
