/*
 * 流程详情: the diagram with the walked path and current tasks, every task, the history, and the
 * administrator's actions (挂起/恢复/终止, 改派); the initiator may withdraw (撤回).
 */
import { ArrowLeftOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Col,
  Collapse,
  Descriptions,
  Form,
  Input,
  Modal,
  Result,
  Row,
  Space,
  Spin,
  Table,
  Tag,
} from 'antd';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { useMe } from '../../auth/session';
import { useRemote } from '../../components/data';
import { formatTime, PageCard } from '../../components/ui';
import { useFormSubmit } from '../../components/useFormSubmit';
import { WorkflowDiagram } from '../../components/workflow-diagram';
import { type InstanceDetail, outcomeLabels, type TaskView, workflowApi } from './api';
import { usePermission } from './hooks';
import { DeadlineTag, HistoryTimeline, InstanceStateTag, UserSelect } from './widgets';

export default function InstanceDetailPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { data, loading, reload } = useRemote(() => workflowApi.instance(id), [id], null as InstanceDetail | null);
  if (!data) {
    return loading ? (
      <Spin style={{ display: 'block', margin: '120px auto' }} />
    ) : (
      <Result status="404" title="流程实例不存在或无权查看" />
    );
  }
  return (
    <PageCard
      title={
        <Space>
          {data.title || data.definitionName}
          <InstanceStateTag state={data.state} />
        </Space>
      }
      extra={
        <>
          <Button icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)}>
            返回
          </Button>
          <InstanceActions instance={data} onDone={reload} />
        </>
      }
    >
      <InstanceBody instance={data} onChanged={reload} />
    </PageCard>
  );
}

/** Diagram, tasks, history and variables of one instance; also shown on the task page. */
export function InstanceBody({ instance, onChanged }: { instance: InstanceDetail; onChanged?: () => void }) {
  const canManage = usePermission('workflow-instance:manage');
  const [reassigning, setReassigning] = useState<TaskView | null>(null);
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Descriptions size="small" column={3} bordered>
        <Descriptions.Item label="流程">
          {instance.definitionName}（第 {instance.version} 版）
        </Descriptions.Item>
        <Descriptions.Item label="发起人">{instance.initiatorName ?? '—'}</Descriptions.Item>
        <Descriptions.Item label="业务编号">{instance.businessKey ?? '—'}</Descriptions.Item>
        <Descriptions.Item label="发起时间">{formatTime(instance.startedAt)}</Descriptions.Item>
        <Descriptions.Item label="结束时间">{formatTime(instance.endedAt)}</Descriptions.Item>
        <Descriptions.Item label="当前环节">
          {instance.currentTasks.length
            ? instance.currentTasks.map((t) => (
                <Tag key={t.id} color="blue">
                  {t.name}（{t.assigneeName ?? '待认领'}）
                </Tag>
              ))
            : '—'}
        </Descriptions.Item>
      </Descriptions>
      <WorkflowDiagram
        xml={instance.xml}
        marks={{
          completedElementIds: instance.completedElementIds,
          takenFlowIds: instance.takenFlowIds,
          activeElementIds: instance.activeElementIds,
          currentTasks: instance.currentTasks,
        }}
      />
      <Row gutter={16}>
        <Col xs={24} lg={14}>
          <Card size="small" title="办理环节">
            <Table<TaskView>
              rowKey="id"
              size="small"
              aria-label="办理环节"
              pagination={false}
              dataSource={instance.tasks}
              columns={[
                { title: '环节', dataIndex: 'name' },
                { title: '办理人', dataIndex: 'assigneeName', render: (v) => v ?? '待认领' },
                {
                  title: '状态',
                  render: (_, t) =>
                    t.state === 'open' ? (
                      <DeadlineTag dueAt={t.dueAt} overdue={t.overdue} warning={t.warning} />
                    ) : t.state === 'completed' ? (
                      <Tag color={t.outcome === 'reject' ? 'red' : 'green'}>
                        {t.outcome ? (outcomeLabels[t.outcome] ?? t.outcome) : '已办'}
                      </Tag>
                    ) : (
                      <Tag>已取消</Tag>
                    ),
                },
                { title: '完成时间', dataIndex: 'completedAt', render: formatTime },
                ...(canManage
                  ? [
                      {
                        title: '操作',
                        render: (_: unknown, t: TaskView) =>
                          t.state === 'open' ? (
                            <Button size="small" onClick={() => setReassigning(t)}>
                              改派
                            </Button>
                          ) : null,
                      },
                    ]
                  : []),
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card size="small" title="流转记录">
            <HistoryTimeline history={instance.history} />
          </Card>
        </Col>
      </Row>
      <Collapse
        size="small"
        items={[
          {
            key: 'vars',
            label: '流程变量',
            children: <pre className="jy-variables">{JSON.stringify(instance.variables, null, 2)}</pre>,
          },
        ]}
      />
      {reassigning && (
        <ReassignModal
          task={reassigning}
          onClose={() => setReassigning(null)}
          onDone={() => {
            setReassigning(null);
            onChanged?.();
          }}
        />
      )}
    </Space>
  );
}

function ReassignModal({ task, onClose, onDone }: { task: TaskView; onClose: () => void; onDone: () => void }) {
  const [form] = Form.useForm<{ userId: string; reason?: string }>();
  const { submit, submitting } = useFormSubmit(
    form,
    (values) => workflowApi.taskAction(task.id, 'reassign', values),
    '已改派',
  );
  return (
    <Modal
      open
      title={`改派：${task.name}`}
      okText="改派"
      cancelText="取消"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onDone()}
      onCancel={onClose}
    >
      <Form form={form} layout="vertical">
        <Form.Item name="userId" label="改派给" rules={[{ required: true, message: '请选择用户' }]}>
          <UserSelect />
        </Form.Item>
        <Form.Item name="reason" label="原因">
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function InstanceActions({ instance, onDone }: { instance: InstanceDetail; onDone: () => void }) {
  const me = useMe();
  const canManage = usePermission('workflow-instance:manage');
  const { modal, message } = App.useApp();
  const act = (action: 'suspend' | 'resume' | 'terminate' | 'withdraw', label: string, danger = false) =>
    modal.confirm({
      title: `确定${label}该流程？`,
      content: <Input.TextArea id="jy-reason" rows={2} placeholder="原因（可选）" maxLength={2000} />,
      okText: label,
      cancelText: '取消',
      okButtonProps: { danger },
      onOk: async () => {
        const reason = (document.getElementById('jy-reason') as HTMLTextAreaElement | null)?.value.trim();
        try {
          await workflowApi.instanceAction(instance.id, action, reason || undefined);
          message.success(`已${label}`);
          onDone();
        } catch (error) {
          message.error(error instanceof Error ? error.message : '操作失败');
        }
      },
    });
  const running = instance.state === 'running';
  const open = running || instance.state === 'suspended';
  return (
    <>
      {running && instance.initiatorId === me.user.id && <Button onClick={() => act('withdraw', '撤回')}>撤回</Button>}
      {canManage && running && <Button onClick={() => act('suspend', '挂起')}>挂起</Button>}
      {canManage && instance.state === 'suspended' && <Button onClick={() => act('resume', '恢复')}>恢复</Button>}
      {canManage && open && (
        <Button danger onClick={() => act('terminate', '终止', true)}>
          终止
        </Button>
      )}
    </>
  );
}
