import { Alert, Timeline, Typography } from 'antd';
import { api } from '../../api/client';
import { asItems, useRemote } from '../../components/data';
import { formatTime } from '../../components/ui';

interface ReviewEvent {
  id: string;
  step: number;
  action: 'submit' | 'approve' | 'reject';
  actorName: string | null;
  comment: string | null;
  at: string;
}

const ACTION: Record<ReviewEvent['action'], { text: string; color: string }> = {
  submit: { text: '提交审核', color: 'blue' },
  approve: { text: '审核通过', color: 'green' },
  reject: { text: '退回', color: 'red' },
};

/**
 * 审核记录 of a document. When the latest decision sent it back, the reason is shown on top so the
 * author sees at once what to change.
 */
export function ReviewNotes({ documentId, version }: { documentId: string; version: number }) {
  const { data: events } = useRemote(
    async () => asItems(await api.get<{ items: ReviewEvent[] }>(`/cms/documents/${documentId}/review-history`)),
    [documentId, version],
    [] as ReviewEvent[],
  );
  if (!events.length) return null;
  const last = events[events.length - 1] as ReviewEvent;
  return (
    <>
      {last.action === 'reject' && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          message={`${last.actorName ?? '审核员'} 于 ${formatTime(last.at)} 退回了本信息`}
          description={`退回原因：${last.comment ?? '（未填写）'}`}
        />
      )}
      <Typography.Text strong>审核记录</Typography.Text>
      <Timeline
        style={{ marginTop: 12 }}
        items={events.map((e) => ({
          color: ACTION[e.action].color,
          children: (
            <>
              <Typography.Text>
                {ACTION[e.action].text}
                {e.action !== 'submit' && e.step ? `（第 ${e.step} 级）` : ''} · {e.actorName ?? '—'}
              </Typography.Text>
              <br />
              <Typography.Text type="secondary">{formatTime(e.at)}</Typography.Text>
              {e.comment && <Typography.Paragraph style={{ margin: 0 }}>{e.comment}</Typography.Paragraph>}
            </>
          ),
        }))}
      />
    </>
  );
}
