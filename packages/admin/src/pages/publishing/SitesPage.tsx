import { ExportOutlined, ReloadOutlined, SyncOutlined } from '@ant-design/icons';
import { App, Button, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { errorMessage } from '../../api/client';
import { useCan } from '../../auth/session';
import { useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { items, type PublishingSite, publishingApi, type ThemeInfo } from './api';
import { JobProgress, useJob } from './JobProgress';
import { formatBytes } from './logic';
import './publishing.css';

/** The public address of a site on this server (`/sites/<code>/`). */
export const siteHref = (site: Pick<PublishingSite, 'code' | 'url'>) => site.url || `/sites/${site.code}/`;

/**
 * 站点发布: every site with its theme, published pages and last full rebuild; 重建 one site or
 * 全部重建 runs as a job whose progress bar follows it live; 打开网站 opens the public pages.
 */
export default function SitesPage() {
  const { message, modal } = App.useApp();
  const can = useCan();
  const canRefresh = can('publishing:refresh');
  const canTheme = can('template:manage');
  const [q, setQ] = useState('');
  const [running, setRunning] = useState<string | null>(null);
  const sites = useRemote(async () => items(await publishingApi.sites()), [], [] as PublishingSite[]);
  const themes = useRemote(async () => items(await publishingApi.themes()), [], [] as ThemeInfo[]);
  const { job, error, follow, active } = useJob((done) => {
    if (done.status === 'succeeded') message.success(`${running ?? ''}生成完成`);
    sites.reload();
  });

  const shown = useMemo(
    () => sites.data.filter((s) => !q || s.name.includes(q) || s.code.includes(q.toLowerCase())),
    [sites.data, q],
  );

  async function start(label: string, run: () => Promise<{ jobId: string }>) {
    try {
      const { jobId } = await run();
      setRunning(label);
      follow(jobId);
    } catch (e) {
      message.error(errorMessage(e));
    }
  }

  async function changeTheme(site: PublishingSite, theme: string) {
    try {
      const res = await publishingApi.setTheme(site.id, theme);
      message.success(`「${site.name}」已改用主题 ${theme}，页面正在重新生成`);
      if (res?.jobId) {
        setRunning(`「${site.name}」`);
        follow(res.jobId);
      }
      sites.reload();
    } catch (e) {
      message.error(errorMessage(e));
    }
  }

  const themeOptions = themes.data.map((t) => ({
    value: t.name,
    label: `${t.title ?? t.name}${t.imported ? '（导入）' : ''}`,
  }));

  return (
    <PageCard
      title="站点发布"
      extra={
        canRefresh && (
          <Button
            type="primary"
            icon={<SyncOutlined spin={active} />}
            disabled={active}
            onClick={() =>
              modal.confirm({
                title: '重新生成全部网站？',
                content: '将按当前模板重新生成所有网站的全部页面，网站较多时需要数分钟；生成期间旧页面照常可访问。',
                onOk: () => start('全部网站', publishingApi.rebuildAll),
              })
            }
          >
            全部重建
          </Button>
        )
      }
    >
      <Space direction="vertical" style={{ width: '100%' }}>
        <Input.Search
          allowClear
          placeholder="按网站名称或代码筛选"
          aria-label="筛选网站"
          style={{ maxWidth: 320 }}
          onSearch={setQ}
          onChange={(e) => !e.target.value && setQ('')}
        />
        <JobProgress job={job} error={error} label={`${running ?? ''}生成进度`} />
        <Table<PublishingSite>
          rowKey="id"
          size="middle"
          aria-label="网站列表"
          loading={sites.loading}
          dataSource={shown}
          pagination={{ pageSize: 20, showTotal: (t) => `共 ${t} 个网站` }}
          columns={[
            {
              title: '网站',
              dataIndex: 'name',
              render: (name: string, site) => (
                <Space direction="vertical" size={0}>
                  <Typography.Text strong>{name}</Typography.Text>
                  <Typography.Text type="secondary">{site.code}</Typography.Text>
                </Space>
              ),
            },
            {
              title: '主题',
              dataIndex: 'theme',
              width: 220,
              render: (theme: string, site) =>
                canTheme ? (
                  <Select
                    aria-label={`${site.name}的主题`}
                    value={theme}
                    style={{ width: 190 }}
                    options={
                      themeOptions.some((o) => o.value === theme)
                        ? themeOptions
                        : [{ value: theme, label: theme }, ...themeOptions]
                    }
                    onChange={(value) =>
                      modal.confirm({
                        title: `将「${site.name}」改用主题 ${value}？`,
                        content: '网站的全部页面将按新主题重新生成。',
                        onOk: () => changeTheme(site, value),
                      })
                    }
                  />
                ) : (
                  <Tag>{theme}</Tag>
                ),
            },
            { title: '页面数', dataIndex: 'pageCount', width: 100, render: (n?: number | null) => n ?? '—' },
            { title: '输出大小', dataIndex: 'outputBytes', width: 110, render: (n?: number | null) => formatBytes(n) },
            { title: '上次全部重建', dataIndex: 'lastRebuildAt', width: 180, render: formatTime },
            {
              title: '操作',
              width: 200,
              render: (_: unknown, site) => (
                <Space size={0}>
                  {canRefresh && (
                    <Button
                      type="link"
                      icon={<ReloadOutlined />}
                      disabled={active}
                      onClick={() => start(`「${site.name}」`, () => publishingApi.rebuild(site.id))}
                      aria-label={`重建${site.name}`}
                    >
                      重建
                    </Button>
                  )}
                  <Button
                    type="link"
                    icon={<ExportOutlined />}
                    href={siteHref(site)}
                    target="_blank"
                    rel="noopener"
                    aria-label={`打开${site.name}`}
                  >
                    打开网站
                  </Button>
                </Space>
              ),
            },
          ]}
        />
      </Space>
    </PageCard>
  );
}
