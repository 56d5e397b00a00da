import { Button, Drawer, Form, Input, Modal, Space, Spin, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../../api/client';
import { usePagedList, useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { useFormSubmit } from '../../components/useFormSubmit';
import { type CmsDocument, fileUrl } from './api';

interface InboxItem {
  id: string;
  title: string;
  siteName: string;
  channelName: string;
  reviewStep: number;
  reviewLevels: number;
  authorName: string | null;
  submittedAt: string | null;
}

type Decision = 'approve' | 'reject';

/** 信息审核: the reviewer's inbox; each item opens for reading, then is approved or sent back. */
export default function ReviewPage() {
  const { data, loading, pagination, reload } = usePagedList<InboxItem>('/cms/review/inbox', {});
  const [reading, setReading] = useState<InboxItem | null>(null);
  const [deciding, setDeciding] = useState<{ item: InboxItem; decision: Decision } | null>(null);
  return (
    <PageCard title="信息审核">
      <Table<InboxItem>
        rowKey="id"
        aria-label="待审信息"
        loading={loading}
        dataSource={data.items}
        pagination={pagination}
        locale={{ emptyText: '暂无待审核的信息' }}
        columns={[
          {
            title: '标题',
            dataIndex: 'title',
            render: (title, item) => <Typography.Link onClick={() => setReading(item)}>{title}</Typography.Link>,
          },
          { title: '站点', dataIndex: 'siteName', width: 160 },
          { title: '栏目', dataIndex: 'channelName', width: 140 },
          {
            title: '审核级次',
            width: 110,
            render: (_, item) => (
              <Tag color="warning">
                {item.reviewLevels > 1 ? `第 ${item.reviewStep}/${item.reviewLevels} 级` : '一级审核'}
              </Tag>
            ),
          },
          { title: '提交人', dataIndex: 'authorName', width: 110, render: (v) => v ?? '—' },
          { title: '提交时间', dataIndex: 'submittedAt', width: 170, render: formatTime },
          {
            title: '操作',
            width: 150,
            render: (_, item) => (
              <Space>
                <Button size="small" type="primary" onClick={() => setDeciding({ item, decision: 'approve' })}>
                  通过
                </Button>
                <Button size="small" danger onClick={() => setDeciding({ item, decision: 'reject' })}>
                  退回
                </Button>
              </Space>
            ),
          },
        ]}
      />
      {reading && (
        <ReadDrawer
          item={reading}
          onClose={() => setReading(null)}
          onDecide={(decision) => {
            setDeciding({ item: reading, decision });
            setReading(null);
          }}
        />
      )}
      {deciding && (
        <DecisionModal
          {...deciding}
          onClose={(done) => {
            setDeciding(null);
            if (done) reload();
          }}
        />
      )}
    </PageCard>
  );
}

function ReadDrawer({
  item,
  onClose,
  onDecide,
}: {
  item: InboxItem;
  onClose: () => void;
  onDecide: (d: Decision) => void;
}) {
  const { data: doc, loading } = useRemote(
    () => api.get<CmsDocument>(`/cms/documents/${item.id}`),
    [item.id],
    null as CmsDocument | null,
  );
  return (
    <Drawer
      open
      width={820}
      title={item.title}
      onClose={onClose}
      extra={
        <Space>
          <Button type="primary" onClick={() => onDecide('approve')}>
            通过
          </Button>
          <Button danger onClick={() => onDecide('reject')}>
            退回
          </Button>
        </Space>
      }
    >
      <Spin spinning={loading}>
        {doc && (
          <article>
            <Typography.Title level={3} style={{ textAlign: 'center' }}>
              {doc.title}
            </Typography.Title>
            <Typography.Paragraph type="secondary" style={{ textAlign: 'center' }}>
              {[
                item.siteName,
                item.channelName,
                doc.source && `来源：${doc.source}`,
                doc.author && `作者：${doc.author}`,
              ]
                .filter(Boolean)
                .join('　')}
            </Typography.Paragraph>
            <div
              className="cms-preview"
              // Stored bodies are sanitized by the server on every save (sanitize.ts).
              // biome-ignore lint/security/noDangerouslySetInnerHtml: see above
              dangerouslySetInnerHTML={{ __html: doc.bodyHtml ?? '' }}
            />
            {(doc.attachments as unknown[] | undefined)?.length ? (
              <Typography.Paragraph>
                附件：
                {(doc.attachments as unknown[]).map((a, i) => {
                  const id = typeof a === 'string' ? a : (a as { fileId: string }).fileId;
                  return (
                    <Typography.Link key={id} href={fileUrl(id)} target="_blank" style={{ marginRight: 12 }}>
                      附件 {i + 1}
                    </Typography.Link>
                  );
                })}
              </Typography.Paragraph>
            ) : null}
          </article>
        )}
      </Spin>
    </Drawer>
  );
}

function DecisionModal({
  item,
  decision,
  onClose,
}: {
  item: InboxItem;
  decision: Decision;
  onClose: (done: boolean) => void;
}) {
  const [form] = Form.useForm<{ comment: string }>();
  const approve = decision === 'approve';
  const { submit, submitting } = useFormSubmit(
    form,
    (values) => api.post(`/cms/review/${item.id}/${decision}`, { comment: values.comment?.trim() || null }),
    approve ? '已审核通过' : '已退回给作者',
  );
  return (
    <Modal
      open
      title={`${approve ? '审核通过' : '退回修改'}：${item.title}`}
      okText={approve ? '通过' : '退回'}
      okButtonProps={{ danger: !approve }}
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
    >
      <Form form={form} layout="vertical">
        <Form.Item
          name="comment"
          label={approve ? '审核意见' : '退回原因'}
          rules={approve ? [] : [{ required: true, whitespace: true, message: '请填写退回原因，作者将看到它' }]}
        >
          <Input.TextArea rows={4} maxLength={500} showCount placeholder={approve ? '同意发布' : ''} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
