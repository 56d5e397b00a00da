import { Button, Col, Modal, Row, Typography } from 'antd';
import { formatTime } from '../../components/ui';
import type { CmsDocument } from './api';

function Side({ heading, title, html, note }: { heading: string; title: string; html: string; note?: string }) {
  return (
    <Col span={12}>
      <Typography.Title level={5}>{heading}</Typography.Title>
      {note && <Typography.Paragraph type="secondary">{note}</Typography.Paragraph>}
      <Typography.Paragraph strong>{title}</Typography.Paragraph>
      <div
        className="cms-preview"
        style={{ border: '1px solid #f0f0f0', padding: 12, maxHeight: 420, overflow: 'auto' }}
        // Both sides are editor output: ours is TipTap's schema-bound HTML, theirs was sanitized on save.
        // biome-ignore lint/security/noDangerouslySetInnerHtml: see above
        dangerouslySetInnerHTML={{ __html: html }}
      />
    </Col>
  );
}

/**
 * 409 document_conflict: someone saved the document after it was opened here. Both versions are
 * shown; the user keeps theirs (saving over the newer version, knowingly) or takes the other one.
 */
export function ConflictModal({
  yours,
  current,
  onKeepMine,
  onTakeTheirs,
  onCancel,
}: {
  yours: Record<string, unknown>;
  current: CmsDocument;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
  onCancel: () => void;
}) {
  return (
    <Modal
      open
      width={1000}
      title="保存冲突：该信息已被他人修改"
      onCancel={onCancel}
      footer={[
        <Button key="cancel" onClick={onCancel}>
          暂不处理
        </Button>,
        <Button key="theirs" onClick={onTakeTheirs}>
          采用最新版本（放弃我的修改）
        </Button>,
        <Button key="mine" type="primary" danger onClick={onKeepMine}>
          保留我的版本（覆盖）
        </Button>,
      ]}
    >
      <Row gutter={16}>
        <Side
          heading="我的版本（未保存）"
          title={String(yours.title ?? '')}
          html={typeof yours.bodyHtml === 'string' ? yours.bodyHtml : (current.bodyHtml ?? '')}
        />
        <Side
          heading={`最新版本（第 ${current.version} 版）`}
          note={`${current.updatedByName ?? '他人'} 于 ${formatTime(current.updatedAt)} 保存`}
          title={current.title}
          html={current.bodyHtml ?? ''}
        />
      </Row>
    </Modal>
  );
}
