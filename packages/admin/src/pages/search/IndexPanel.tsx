import { DatabaseOutlined, SyncOutlined } from '@ant-design/icons';
import { Alert, App, Button, Descriptions, Modal, Progress, Space, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, errorMessage } from '../../api/client';
import { useCan } from '../../auth/session';
import { formatTime } from '../../components/ui';
import type { IndexStatus, JobView } from './api';
import { formatCount } from './logic';

const POLL_MS = 1000;

/**
 * The index's size and its rebuild job. A running job (started here or elsewhere) is followed by
 * polling GET /api/jobs/:id until it ends; polling stops when the panel closes.
 */
function useIndexStatus() {
  const { message } = App.useApp();
  const [status, setStatus] = useState<IndexStatus | null>(null);
  const [job, setJob] = useState<JobView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const alive = useRef(true);

  const load = useCallback(async () => {
    try {
      const next = await api.get<IndexStatus>('/search/index');
      if (!alive.current) return null;
      setStatus(next);
      setError(null);
      return next;
    } catch (e) {
      if (alive.current) setError(errorMessage(e));
      return null;
    }
  }, []);

  const follow = useCallback(
    (jobId: string) => {
      const poll = async () => {
        try {
          const view = await api.get<JobView>(`/jobs/${jobId}`);
          if (!alive.current) return;
          setJob(view);
          if (view.status === 'succeeded' || view.status === 'failed') {
            await load();
            return;
          }
        } catch (e) {
          if (alive.current) setError(`无法查询重建进度：${errorMessage(e)}`);
          return;
        }
        timer.current = setTimeout(poll, POLL_MS);
      };
      poll();
    },
    [load],
  );

  useEffect(() => {
    alive.current = true;
    load().then((s) => {
      if (s?.job && (s.job.status === 'queued' || s.job.status === 'running')) follow(s.job.id);
      else if (s?.job) setJob(s.job);
    });
    return () => {
      alive.current = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, [load, follow]);

  const rebuild = useCallback(async () => {
    try {
      const { jobId } = await api.post<{ jobId: string }>('/search/index/rebuild');
      setJob({ id: jobId, status: 'queued', done: 0, total: 0 });
      follow(jobId);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'search_rebuild_running') {
        message.info('已有重建任务在进行，正在显示它的进度');
        const s = await load();
        if (s?.job) follow(s.job.id);
      } else message.error(errorMessage(e));
    }
  }, [follow, load, message]);

  return { status, job, error, rebuild };
}

const JOB_TEXT: Record<JobView['status'], string> = {
  queued: '排队中',
  running: '重建中',
  succeeded: '已完成',
  failed: '失败',
};

/** 索引维护: counts, last build time and 重建索引 with a live progress bar. */
export function IndexPanel() {
  const { modal } = App.useApp();
  const { status, job, error, rebuild } = useIndexStatus();
  const active = job?.status === 'queued' || job?.status === 'running';
  const percent = job?.total ? Math.floor((job.done / job.total) * 100) : job?.status === 'succeeded' ? 100 : 0;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {error && <Alert type="error" showIcon message={error} />}
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label="已索引信息">{status ? formatCount(status.documents) : '—'}</Descriptions.Item>
        <Descriptions.Item label="其中已发布">{status ? formatCount(status.published) : '—'}</Descriptions.Item>
        <Descriptions.Item label="上次重建">{formatTime(status?.lastBuiltAt)}</Descriptions.Item>
      </Descriptions>
      {job && (
        <section aria-label="重建进度">
          <Typography.Text>
            {JOB_TEXT[job.status]}
            {job.total ? `（${formatCount(job.done)}/${formatCount(job.total)}）` : ''}
            {job.message ? ` ${job.message}` : ''}
          </Typography.Text>
          <Progress percent={percent} status={job.status === 'failed' ? 'exception' : active ? 'active' : 'success'} />
          {job.status === 'failed' && job.error && <Alert type="error" showIcon message={job.error} />}
        </section>
      )}
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        信息的发布、修改、撤稿和删除会自动更新索引。修改用户词典后，或索引与信息不一致时，可重建索引：重建在后台进行，期间检索照常可用。
      </Typography.Paragraph>
      <Button
        type="primary"
        icon={<SyncOutlined spin={active} />}
        disabled={active}
        onClick={() =>
          modal.confirm({
            title: '重建检索索引？',
            content: '将重新读取全部站点的信息并重新分词，信息较多时需要数分钟。',
            onOk: rebuild,
          })
        }
      >
        {active ? '正在重建…' : '重建索引'}
      </Button>
    </Space>
  );
}

/** A header button that opens 索引维护, shown only to holders of `search:manage`. */
export function IndexStatusButton() {
  const can = useCan();
  const [open, setOpen] = useState(false);
  if (!can('search:manage')) return null;
  return (
    <>
      <Button icon={<DatabaseOutlined />} onClick={() => setOpen(true)}>
        索引维护
      </Button>
      <Modal open={open} title="索引维护" footer={null} onCancel={() => setOpen(false)} destroyOnHidden>
        <IndexPanel />
      </Modal>
    </>
  );
}
