import { CloudUploadOutlined, DeleteOutlined, EditOutlined, HistoryOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Drawer, Form, Input, Modal, Space, Table, Tag } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../../api/client';
import { usePagedList } from '../../components/data';
import { FormRenderer } from '../../components/form-renderer';
import { formatTime, PageCard } from '../../components/ui';
import { useAction, useFormSubmit } from '../../components/useFormSubmit';
import { type FormSummary, type FormVersion, formsApi } from './api';

/** 表单管理: the list of form definitions with create, publish, versions and delete. */
export default function FormsPage() {
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const list = usePagedList<FormSummary>('/forms/definitions', { q });
  const [creating, setCreating] = useState(false);
  const [versionsOf, setVersionsOf] = useState<string | null>(null);
  const { modal } = App.useApp();
  const act = useAction();

  return (
    <PageCard
      title="表单管理"
      extra={
        <>
          <Input.Search placeholder="名称或标识" allowClear onSearch={setQ} style={{ width: 220 }} />
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
            新建表单
          </Button>
        </>
      }
    >
      <Table<FormSummary>
        rowKey="key"
        loading={list.loading}
        dataSource={list.data.items}
        pagination={list.pagination}
        columns={[
          { title: '表单名称', dataIndex: 'name' },
          { title: '标识', dataIndex: 'key', render: (k: string) => <code>{k}</code> },
          { title: '字段数', dataIndex: 'fieldCount', width: 80 },
          {
            title: '最新版本',
            dataIndex: 'latestVersion',
            width: 160,
            render: (v: number | null, r) => (
              <Space size={4}>
                {v ? <Tag color="blue">第 {v} 版</Tag> : <Tag>未发布</Tag>}
                {v && r.hasDraftChanges ? <Tag color="orange">草稿有修改</Tag> : null}
              </Space>
            ),
          },
          { title: '修改时间', dataIndex: 'updatedAt', width: 180, render: formatTime },
          {
            title: '操作',
            width: 300,
            render: (_, r) => (
              <Space size={0} wrap>
                <Button type="link" icon={<EditOutlined />} onClick={() => navigate(`/forms/definitions/${r.key}`)}>
                  设计
                </Button>
                <Button
                  type="link"
                  icon={<CloudUploadOutlined />}
                  disabled={!r.hasDraftChanges || r.fieldCount === 0}
                  onClick={() =>
                    modal.confirm({
                      title: `发布「${r.name}」？`,
                      content: '发布后生成新的版本，已发布的版本不可修改。',
                      onOk: async () => {
                        if (await act(() => formsApi.publish(r.key, r.revision), '已发布')) list.reload();
                      },
                    })
                  }
                >
                  发布
                </Button>
                <Button
                  type="link"
                  icon={<HistoryOutlined />}
                  disabled={!r.latestVersion}
                  onClick={() => setVersionsOf(r.key)}
                >
                  版本
                </Button>
                <Button
                  type="link"
                  danger
                  icon={<DeleteOutlined />}
                  disabled={!!r.latestVersion}
                  onClick={() =>
                    modal.confirm({
                      title: `删除「${r.name}」？`,
                      okButtonProps: { danger: true },
                      onOk: async () => {
                        if (await act(() => api.delete(`/forms/definitions/${r.key}`), '已删除')) list.reload();
                      },
                    })
                  }
                >
                  删除
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <CreateModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(key) => navigate(`/forms/definitions/${key}`)}
      />
      <VersionsDrawer formKey={versionsOf} onClose={() => setVersionsOf(null)} />
    </PageCard>
  );
}

function CreateModal({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (key: string) => void;
}) {
  const [form] = Form.useForm<{ key: string; name: string; description?: string }>();
  const { submit, submitting } = useFormSubmit(
    form,
    async (values) => {
      const created = await formsApi.create(values);
      onCreated(created.key);
    },
    '已新建',
  );
  return (
    <Modal
      title="新建表单"
      open={open}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={submitting}
      okText="新建并设计"
      destroyOnHidden
    >
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="name" label="表单名称" rules={[{ required: true, message: '请输入表单名称' }]}>
          <Input maxLength={100} placeholder="如：政府信息公开申请表" />
        </Form.Item>
        <Form.Item
          name="key"
          label="表单标识"
          extra="流程和事项用它引用表单，创建后不能修改"
          rules={[
            { required: true, message: '请输入表单标识' },
            { pattern: /^[a-z][a-z0-9_-]{1,63}$/, message: '小写字母开头，只含小写字母、数字、- 和 _，2–64 位' },
          ]}
        >
          <Input maxLength={64} placeholder="如：disclosure-request" />
        </Form.Item>
        <Form.Item name="description" label="说明">
          <Input.TextArea maxLength={500} rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function VersionsDrawer({ formKey, onClose }: { formKey: string | null; onClose: () => void }) {
  const [versions, setVersions] = useState<FormVersion[]>([]);
  const [shown, setShown] = useState<{ version: number; schema: never; uiSchema: never } | null>(null);
  const load = async (key: string) => setVersions((await formsApi.get(key)).versions);
  return (
    <Drawer
      title="已发布版本"
      open={!!formKey}
      onClose={() => {
        setShown(null);
        onClose();
      }}
      size="large"
      afterOpenChange={(open) => open && formKey && load(formKey)}
    >
      <Table<FormVersion>
        rowKey="version"
        size="small"
        pagination={false}
        dataSource={versions}
        columns={[
          { title: '版本', dataIndex: 'version', render: (v: number) => `第 ${v} 版` },
          { title: '名称', dataIndex: 'name' },
          { title: '发布时间', dataIndex: 'publishedAt', render: formatTime },
          {
            title: '',
            render: (_, v) => (
              <Button
                type="link"
                onClick={async () => setShown((await formsApi.version(formKey as string, v.version)) as never)}
              >
                查看
              </Button>
            ),
          },
        ]}
      />
      {shown ? (
        <div style={{ marginTop: 24 }}>
          <h4>第 {shown.version} 版（空白表单预览）</h4>
          <FormRenderer schema={shown.schema} uiSchema={shown.uiSchema} hideSubmit />
        </div>
      ) : null}
    </Drawer>
  );
}
