import { Alert, Progress, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../../api/client';
import { type JobView, publishingApi } from './api';
import { JOB_TEXT, jobActive, jobPercent } from './logic';

const POLL_MS = 500;

/**
 * Follows a job by polling GET /api/jobs/:id until it ends; polling stops when the component
 * unmounts. `onDone` runs once when the job finishes (to reload the table behind the bar).
 */
export function useJob(onDone?: (job: JobView) => void) {
  const [job, setJob] = useState<JobView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const alive = useRef(true);
  const done = useRef(onDone);
  done.current = onDone;

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  const follow = useCallback((jobId: string) => {
    if (timer.current) clearTimeout(timer.current);
    setError(null);
    setJob({ id: jobId, status: 'queued', done: 0, total: 0 });
    const poll = async () => {
      try {
        const view = await publishingApi.job(jobId);
        if (!alive.current) return;
        setJob(view);
        if (!jobActive(view)) {
          done.current?.(view);
          return;
        }
      } catch (e) {
        if (alive.current) setError(`无法查询任务进度：${errorMessage(e)}`);
        return;
      }
      timer.current = setTimeout(poll, POLL_MS);
    };
    poll();
  }, []);

  return { job, error, follow, active: jobActive(job) };
}

/** A live progress bar with the job's state, counts and, when it failed, the reason. */
export function JobProgress({ job, error, label }: { job: JobView | null; error?: string | null; label: string }) {
  if (!job && !error) return null;
  const active = jobActive(job);
  return (
    <section aria-label={label} className="publishing-job">
      {job && (
        <>
          <Typography.Text>
            {JOB_TEXT[job.status]}
            {job.total ? `（${job.done}/${job.total}）` : ''}
            {job.message ? ` ${job.message}` : ''}
          </Typography.Text>
          <Progress
            percent={jobPercent(job)}
            status={job.status === 'failed' ? 'exception' : active ? 'active' : 'success'}
            aria-label={`${label}：${jobPercent(job)}%`}
          />
          {job.status === 'failed' && <Alert type="error" showIcon message="任务失败" description={job.error ?? ''} />}
        </>
      )}
      {error && <Alert type="warning" showIcon message={error} />}
    </section>
  );
}

/** Asks before the tab is closed or reloaded while there are unsaved changes. */
export function useLeaveGuard(dirty: boolean) {
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
}
