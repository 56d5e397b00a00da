import { App, Button, Drawer, Empty, Popconfirm, Space, Spin, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../../api/client';
import { asItems, useRemote } from '../../components/data';
import { formatTime } from '../../components/ui';
import type { CmsDocument, DocumentVersion } from './api';

/** Names of the snapshot fields the diff endpoint reports (snake_case, as stored). */
const FIELD_NAMES: Record<string, string> = {
  title: '标题',
  subtitle: '副标题',
  short_title: '短标题',
  type: '类型',
  source: '来源',
  author: '作者',
  publish_at: '发布时间',
  summary: '摘要',
  keywords: '关键词',
  cover_file_id: '封面',
  link_url: '链接地址',
  attachments: '附件',
  tags: '标签',
  custom: '扩展字段',
  channel_id: '栏目',
  site_id: '站点',
  state: '状态',
  pinned_until: '置顶至',
  new_until: '标新至',
  scheduled_publish_at: '定时发布',
  scheduled_withdraw_at: '定时撤稿',
};

const ACTION_NAMES: Record<string, string> = {
  create: '新建',
  save: '保存',
  submit: '送审',
  approve: '审核通过',
  reject: '退回',
  publish: '发布',
  withdraw: '撤稿',
  move: '移动',
  restore: '从回收站恢复',
  'restore-version': '恢复版本',
  delete: '删除',
  schedule: '定时',
};

interface VersionRow extends DocumentVersion {
  action?: string;
}

interface DiffAnswer {
  fields?: { field: string; from: unknown; to: unknown }[];
  body?: { html: string; inserted?: number; deleted?: number };
}

const show = (v: unknown) =>
  v === null || v === undefined || v === '' ? '（空）' : typeof v === 'string' ? v : JSON.stringify(v);

/** 版本历史: every saved version; two ticked versions are compared by the server's diff. */
export function VersionsDrawer({
  doc,
  onClose,
  onRestored,
}: {
  doc: CmsDocument;
  onClose: () => void;
  onRestored: (doc: CmsDocument) => void;
}) {
  const { message } = App.useApp();
  const { data: versions, loading } = useRemote(
    async () => asItems(await api.get<{ items: VersionRow[] }>(`/cms/documents/${doc.id}/versions`)),
    [doc.id, doc.version],
    [] as VersionRow[],
  );
  const [picked, setPicked] = useState<number[]>([]);
  const [diff, setDiff] = useState<DiffAnswer | null>(null);
  const [diffing, setDiffing] = useState(false);

  // The two newest versions are compared when the drawer opens: "what changed last" is the usual question.
  useEffect(() => {
    const newest = [...versions].sort((a, b) => b.version - a.version).slice(0, 2);
    setPicked(newest.map((v) => v.version));
  }, [versions]);

  useEffect(() => {
    if (picked.length !== 2) {
      setDiff(null);
      return;
    }
    const [from, to] = [...picked].sort((a, b) => a - b);
    let live = true;
    setDiffing(true);
    api
      .get<DiffAnswer>(`/cms/documents/${doc.id}/diff`, { from, to })
      .then((d) => live && setDiff(d))
      .catch((error) => message.error(errorMessage(error)))
      .finally(() => live && setDiffing(false));
    return () => {
      live = false;
    };
  }, [picked, doc.id, message]);

  const restore = async (version: number) => {
    try {
      const restored = await api.post<CmsDocument>(`/cms/documents/${doc.id}/restore-version`, {
        restoreVersion: version,
        version: doc.version,
      });
      message.success(`已恢复到第 ${version} 版`);
      onRestored(restored);
    } catch (error) {
      message.error(errorMessage(error));
    }
  };

  const [from, to] = [...picked].sort((a, b) => a - b);
  return (
    <Drawer open width={880} title={`版本历史：${doc.title}`} onClose={onClose}>
      <Table<VersionRow>
        rowKey="version"
        size="small"
        aria-label="版本列表"
        loading={loading}
        dataSource={versions}
        pagination={false}
        scroll={{ y: 240 }}
        rowSelection={{
          selectedRowKeys: picked,
          onChange: (keys) => setPicked(keys.map(Number).slice(-2)),
        }}
        columns={[
          { title: '版本', dataIndex: 'version', width: 70, render: (v) => `第 ${v} 版` },
          {
            title: '操作',
            dataIndex: 'action',
            width: 110,
            render: (a) => (a ? <Tag>{ACTION_NAMES[a] ?? a}</Tag> : '—'),
          },
          { title: '保存人', dataIndex: 'savedByName', render: (v, r) => v ?? r.savedBy ?? '—' },
          { title: '时间', dataIndex: 'savedAt', width: 170, render: formatTime },
          {
            title: '',
            width: 90,
            render: (_, r) =>
              r.version === doc.version ? (
                <Typography.Text type="secondary">当前</Typography.Text>
              ) : (
                <Popconfirm
                  title={`恢复到第 ${r.version} 版？`}
                  description="将作为新版本保存"
                  onConfirm={() => restore(r.version)}
                >
                  <Button size="small" type="link">
                    恢复此版
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {picked.length === 2 ? `第 ${from} 版 → 第 ${to} 版 的差异` : '勾选两个版本查看差异'}
      </Typography.Title>
      <Spin spinning={diffing}>
        {diff ? (
          <Space direction="vertical" style={{ width: '100%' }}>
            {diff.fields?.length ? (
              <Table
                size="small"
                rowKey="field"
                pagination={false}
                dataSource={diff.fields}
                columns={[
                  { title: '字段', dataIndex: 'field', width: 100, render: (f) => FIELD_NAMES[f] ?? f },
                  { title: '原值', dataIndex: 'from', render: (v) => <del>{show(v)}</del> },
                  { title: '新值', dataIndex: 'to', render: (v) => <ins>{show(v)}</ins> },
                ]}
                className="cms-diff"
              />
            ) : (
              <Typography.Text type="secondary">属性没有变化。</Typography.Text>
            )}
            {diff.body && (
              <>
                <Typography.Text>
                  正文：新增 {diff.body.inserted ?? 0} 字，删除 {diff.body.deleted ?? 0} 字
                </Typography.Text>
                <div
                  className="cms-diff cms-preview"
                  data-testid="body-diff"
                  style={{ border: '1px solid #f0f0f0', padding: 12 }}
                  // The server builds this from two bodies it sanitized on save (versions.ts, diffBodies).
                  // biome-ignore lint/security/noDangerouslySetInnerHtml: see above
                  dangerouslySetInnerHTML={{ __html: diff.body.html }}
                />
              </>
            )}
          </Space>
        ) : (
          picked.length === 2 && !diffing && <Empty description="无法加载差异" />
        )}
      </Spin>
    </Drawer>
  );
}
