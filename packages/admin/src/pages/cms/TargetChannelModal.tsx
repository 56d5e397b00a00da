import { Form, Modal, Select, TreeSelect, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { channelOptions, useChannelTree, useSites } from './hooks';

export type TargetKind = 'move' | 'copy' | 'reference' | 'push';

const TEXT: Record<TargetKind, { title: string; hint: string }> = {
  move: { title: '移动到栏目', hint: '信息移到目标栏目，发布状态不变。' },
  copy: { title: '复制到栏目', hint: '在目标栏目生成一份相同内容的草稿。' },
  reference: {
    title: '引用到栏目',
    hint: '信息同时显示在目标栏目，始终显示源信息的最新内容；无发布权限时进入目标栏目的审核。',
  },
  push: { title: '推送到其他站点', hint: '向其他站点的栏目各推送一份副本，由对方站点审核后发布。' },
};

/**
 * Picks the target channel(s) of a copy / move / reference / push: first the site (any site the
 * user can see, so documents can go to other sites), then its channels. Push allows several.
 */
export function TargetChannelModal({
  kind,
  defaultSiteId,
  onOk,
  onCancel,
}: {
  kind: TargetKind;
  defaultSiteId: string;
  onOk: (channelIds: string[]) => void;
  onCancel: () => void;
}) {
  const { data: sites } = useSites();
  const [siteId, setSiteId] = useState(defaultSiteId);
  const [picked, setPicked] = useState<string[]>([]);
  const { data: tree, loading: channelsLoading } = useChannelTree(siteId);
  // Only list channels hold documents.
  const options = useMemo(() => channelOptions(tree, (c) => c.type !== 'list'), [tree]);
  const multiple = kind === 'push';
  return (
    <Modal
      open
      title={TEXT[kind].title}
      okText="确定"
      okButtonProps={{ disabled: !picked.length }}
      onOk={() => onOk(picked)}
      onCancel={onCancel}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{TEXT[kind].hint}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label="目标站点">
          <Select
            aria-label="目标站点"
            showSearch
            optionFilterProp="label"
            value={siteId}
            options={sites.map((s) => ({ value: s.id, label: s.name }))}
            onChange={(id) => {
              setSiteId(id);
              setPicked([]);
            }}
          />
        </Form.Item>
        <Form.Item label={multiple ? '目标栏目（可多选）' : '目标栏目'}>
          <TreeSelect
            key={`${siteId}:${options.length}`}
            aria-label="目标栏目"
            showSearch
            treeNodeFilterProp="title"
            disabled={channelsLoading}
            treeDefaultExpandAll
            placeholder="选择栏目"
            treeData={options}
            multiple={multiple}
            value={multiple ? picked : picked[0]}
            onChange={(v: string | string[]) => setPicked(Array.isArray(v) ? v : v ? [v] : [])}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
