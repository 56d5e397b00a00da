import { App, Button, Drawer, Popconfirm, Space, Table, Tag } from 'antd';
import { api, errorMessage } from '../../api/client';
import { useRemote } from '../../components/data';
import { formatTime } from '../../components/ui';
import type { PdfTemplate, VersionSummary } from './api';

/** 版本历史: every saved version, newest first; preview one or roll back to it (as a new version). */
export function VersionsDrawer({
  template,
  onPreview,
  onClose,
}: {
  template: PdfTemplate;
  onPreview(version: number): void;
  onClose(rolledBack: boolean): void;
}) {
  const { message } = App.useApp();
  const { data, loading } = useRemote(
    () => api.get<{ items: VersionSummary[] }>(`/pdfgen/templates/${template.id}/versions`),
    [template.id, template.currentVersion],
    { items: [] },
  );

  async function rollback(version: number) {
    try {
      const result = await api.post<{ version: number }>(`/pdfgen/templates/${template.id}/rollback`, {
        version,
        baseVersion: template.currentVersion,
      });
      message.success(`已回滚到第 ${version} 版（保存为第 ${result.version} 版）`);
      onClose(true);
    } catch (error) {
      message.error(errorMessage(error));
    }
  }

  return (
    <Drawer open width={720} title={`版本历史：${template.name}`} onClose={() => onClose(false)}>
      <Table<VersionSummary>
        rowKey="version"
        size="small"
        aria-label="版本列表"
        loading={loading}
        dataSource={data.items}
        pagination={false}
        columns={[
          {
            title: '版本',
            dataIndex: 'version',
            width: 110,
            render: (v: number) => (
              <Space>
                第 {v} 版{v === template.currentVersion && <Tag color="blue">当前</Tag>}
              </Space>
            ),
          },
          { title: '说明', dataIndex: 'comment', render: (c: string) => c || '—' },
          { title: '保存人', dataIndex: 'savedByName', width: 120, render: (n: string | null) => n ?? '—' },
          { title: '保存时间', dataIndex: 'savedAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 140,
            render: (_: unknown, row) => (
              <Space size={0}>
                <Button type="link" size="small" onClick={() => onPreview(row.version)}>
                  预览
                </Button>
                {row.version !== template.currentVersion && (
                  <Popconfirm
                    title={`回滚到第 ${row.version} 版？`}
                    description="旧版本的内容将保存为一个新版本，历史版本不会丢失。"
                    onConfirm={() => rollback(row.version)}
                  >
                    <Button type="link" size="small">
                      回滚
                    </Button>
                  </Popconfirm>
                )}
              </Space>
            ),
          },
        ]}
      />
    </Drawer>
  );
}
