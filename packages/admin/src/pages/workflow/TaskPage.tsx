/*
 * 办理任务: the task's form (统一表单服务 renderer), the opinion (批示), and every action the holder
 * has — 认领, 同意/不同意, 退回 to a chosen step, 转办, 委派/归还, 加签 — beside the instance's
 * diagram and history.
 */
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Form, Input, Modal, Result, Select, Space, Spin, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { api, errorMessage } from '../../api/client';
import { useMe } from '../../auth/session';
import { useRemote } from '../../components/data';
import { FormRenderer, type JsonSchema, type UiSchema } from '../../components/form-renderer';
import { PageCard } from '../../components/ui';
import { useFormSubmit } from '../../components/useFormSubmit';
import { type InstanceDetail, outcomeLabels, type TaskDetail, workflowApi } from './api';
import { InstanceBody } from './InstanceDetailPage';
import { DeadlineTag, UserSelect } from './widgets';

interface FormVersion {
  key: string;
  name: string;
  version: number;
  schema: JsonSchema;
  uiSchema: UiSchema;
}

type Dialog = 'reject' | 'transfer' | 'delegate' | 'add-signer' | null;

export default function TaskPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const me = useMe();
  const { message } = App.useApp();
  const {
    data: task,
    loading,
    reload,
    setData,
  } = useRemote(() => workflowApi.task(id), [id], null as TaskDetail | null);
  const formVersion = useRemote(
    async () =>
      task?.formKey
        ? api.get<FormVersion>(
            `/forms/definitions/${encodeURIComponent(task.formKey)}/versions/${task.formVersion ?? 'latest'}`,
          )
        : null,
    [task?.formKey, task?.formVersion],
    null as FormVersion | null,
  );
  const [form] = Form.useForm();
  const [opinion, setOpinion] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const outcome = useRef<'approve' | 'reject'>('approve');

  if (!task) {
    return loading ? (
      <Spin style={{ display: 'block', margin: '120px auto' }} />
    ) : (
      <Result status="404" title="任务不存在或无权查看" />
    );
  }

  const open = task.state === 'open';
  const mine = open && task.assigneeId === me.user.id;
  const delegatedToMe = mine && task.delegationState === 'pending' && task.ownerId !== me.user.id;
  const suspended = (task.instance as InstanceDetail).state === 'suspended';

  /** Runs an action; the server answers with the task as it is now. */
  const run = async (name: string, action: () => Promise<unknown>, success: string, leave = false) => {
    setBusy(name);
    try {
      const next = await action();
      message.success(success);
      if (leave) navigate('/workflow/inbox');
      else if (next && typeof next === 'object' && 'id' in next) setData(next as TaskDetail);
      else reload();
    } catch (error) {
      message.error(errorMessage(error));
      reload();
      throw error;
    } finally {
      setBusy(null);
    }
  };

  const complete = (formData?: Record<string, unknown>) =>
    run(
      'complete',
      () =>
        workflowApi.taskAction(task.id, 'complete', {
          outcome: outcome.current,
          opinion: opinion.trim() || null,
          ...(formData ? { formData } : {}),
        }),
      `已${outcomeLabels[outcome.current]}，任务已办结`,
      true,
    );

  const decide = (decision: 'approve' | 'reject') => {
    outcome.current = decision;
    if (formVersion.data) form.submit();
    else complete().catch(() => undefined);
  };

  const showForm = Boolean(task.formKey);
  return (
    <PageCard
      title={
        <Space wrap>
          {task.name}
          <Typography.Text type="secondary">{task.instanceTitle ?? task.definitionName}</Typography.Text>
          {task.state === 'completed' && <Tag color="green">已办结</Tag>}
          {task.state === 'cancelled' && <Tag>已取消</Tag>}
          {open && <DeadlineTag dueAt={task.dueAt} overdue={task.overdue} warning={task.warning} />}
          {task.candidate && <Tag color="gold">待认领</Tag>}
          {delegatedToMe && <Tag color="purple">委派给我</Tag>}
        </Space>
      }
      extra={
        <Button icon={<ArrowLeftOutlined />} onClick={() => navigate('/workflow/inbox')}>
          返回
        </Button>
      }
    >
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        {suspended && <Alert type="warning" showIcon title="该流程已被管理员挂起，恢复后才能办理" />}
        {open && !mine && !task.candidate && (
          <Alert type="info" showIcon title={`该任务由 ${task.assigneeName ?? '他人'} 办理，您只能查看`} />
        )}
        {showForm && (
          <Card size="small" title={formVersion.data ? `表单：${formVersion.data.name}` : '表单'}>
            {formVersion.data ? (
              <FormRenderer
                key={`${task.id}-${task.version ?? 0}-${mine}`}
                schema={formVersion.data.schema}
                uiSchema={formVersion.data.uiSchema}
                value={task.formData ?? undefined}
                readOnly={!mine || delegatedToMe}
                form={form}
                hideSubmit
                onSubmit={complete}
              />
            ) : formVersion.loading ? (
              <Spin />
            ) : (
              <Alert type="error" showIcon title={`表单 ${task.formKey} 无法加载`} />
            )}
          </Card>
        )}
        {mine && (
          <Card size="small" title="办理">
            <Form layout="vertical">
              <Form.Item label="批示意见" htmlFor="jy-opinion">
                <Input.TextArea
                  id="jy-opinion"
                  rows={3}
                  maxLength={2000}
                  showCount
                  value={opinion}
                  onChange={(e) => setOpinion(e.target.value)}
                  placeholder="填写办理意见（批示）"
                />
              </Form.Item>
            </Form>
            <Space wrap>
              {delegatedToMe ? (
                <Button
                  type="primary"
                  loading={busy === 'return'}
                  disabled={suspended}
                  onClick={() =>
                    run(
                      'return',
                      () => workflowApi.taskAction(task.id, 'return', { opinion: opinion.trim() || null }),
                      '已归还给委派人',
                      true,
                    ).catch(() => undefined)
                  }
                >
                  办完归还
                </Button>
              ) : (
                <>
                  <Button
                    type="primary"
                    loading={busy === 'complete'}
                    disabled={suspended}
                    onClick={() => decide('approve')}
                  >
                    同意
                  </Button>
                  <Button danger disabled={suspended} onClick={() => decide('reject')}>
                    不同意
                  </Button>
                  <Button disabled={suspended || !task.rejectTargets.length} onClick={() => setDialog('reject')}>
                    退回
                  </Button>
                  <Button disabled={suspended} onClick={() => setDialog('transfer')}>
                    转办
                  </Button>
                  <Button disabled={suspended} onClick={() => setDialog('delegate')}>
                    委派
                  </Button>
                  <Button disabled={suspended} onClick={() => setDialog('add-signer')}>
                    加签
                  </Button>
                  {task.candidate === false && task.assigneeId && (
                    <Button
                      type="text"
                      loading={busy === 'unclaim'}
                      onClick={() =>
                        run('unclaim', () => workflowApi.taskAction(task.id, 'unclaim'), '已放回候选池', true).catch(
                          () => undefined,
                        )
                      }
                    >
                      放弃认领
                    </Button>
                  )}
                </>
              )}
            </Space>
          </Card>
        )}
        {open && task.candidate && (
          <Card size="small">
            <Space>
              <Typography.Text>该任务由候选人认领后办理。</Typography.Text>
              <Button
                type="primary"
                loading={busy === 'claim'}
                onClick={() =>
                  run('claim', () => workflowApi.taskAction(task.id, 'claim'), '已认领，可以办理了').catch(
                    () => undefined,
                  )
                }
              >
                认领
              </Button>
            </Space>
          </Card>
        )}
        <InstanceBody instance={task.instance as InstanceDetail} onChanged={reload} />
      </Space>
      {dialog && (
        <ActionDialog
          task={task}
          kind={dialog}
          opinion={opinion}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            navigate('/workflow/inbox');
          }}
        />
      )}
    </PageCard>
  );
}

const DIALOGS = {
  reject: { title: '退回', ok: '退回', done: '已退回' },
  transfer: { title: '转办：交由他人办理，本人不再经手', ok: '转办', done: '已转办' },
  delegate: { title: '委派：请他人协办，办完归还给您', ok: '委派', done: '已委派' },
  'add-signer': { title: '加签：增加会签人', ok: '加签', done: '已加签' },
} as const;

function ActionDialog({
  task,
  kind,
  opinion,
  onClose,
  onDone,
}: {
  task: TaskDetail;
  kind: Exclude<Dialog, null>;
  opinion: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const [form] = Form.useForm<{ targetElementId?: string; userId?: string; userIds?: string[]; opinion?: string }>();
  const text = DIALOGS[kind];
  const { submit, submitting } = useFormSubmit(
    form,
    (values) => {
      const body: Record<string, unknown> = {
        opinion: values.opinion?.trim() || (kind === 'reject' ? undefined : null),
      };
      if (kind === 'reject') body.targetElementId = values.targetElementId;
      if (kind === 'transfer' || kind === 'delegate') body.userId = values.userId;
      if (kind === 'add-signer') body.userIds = values.userIds;
      return workflowApi.taskAction(task.id, kind, body);
    },
    text.done,
  );
  return (
    <Modal
      open
      title={text.title}
      okText={text.ok}
      cancelText="取消"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onDone()}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical" initialValues={{ opinion }}>
        {kind === 'reject' && (
          <Form.Item name="targetElementId" label="退回到" rules={[{ required: true, message: '请选择退回的环节' }]}>
            <Select options={task.rejectTargets.map((t) => ({ value: t.elementId, label: t.name }))} />
          </Form.Item>
        )}
        {(kind === 'transfer' || kind === 'delegate') && (
          <Form.Item
            name="userId"
            label={kind === 'transfer' ? '转办给' : '委派给'}
            rules={[{ required: true, message: '请选择用户' }]}
          >
            <UserSelect />
          </Form.Item>
        )}
        {kind === 'add-signer' && (
          <Form.List name="userIds" initialValue={['']}>
            {(fields, { add }) => (
              <>
                {fields.map((field, i) => (
                  <Form.Item
                    key={field.key}
                    name={field.name}
                    label={i === 0 ? '加签人' : undefined}
                    rules={[{ required: true, message: '请选择用户' }]}
                  >
                    <UserSelect />
                  </Form.Item>
                ))}
                <Button type="dashed" onClick={() => add('')} block style={{ marginBottom: 16 }}>
                  再加一人
                </Button>
              </>
            )}
          </Form.List>
        )}
        <Form.Item
          name="opinion"
          label="意见"
          rules={kind === 'reject' ? [{ required: true, whitespace: true, message: '退回须说明原因' }] : []}
        >
          <Input.TextArea rows={3} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
