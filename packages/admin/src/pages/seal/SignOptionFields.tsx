import { Checkbox, Empty, Form, Input, InputNumber, Radio, Select, Space, Typography } from 'antd';
import type { MySeal } from './api';
import { type Placement, ptToMm, round1 } from './placement';
import type { Mode, OptionValues } from './sign-options';

/** The seals authorized to the current user, as a searchable select (both 签章 tabs). */
export function SealSelect({
  seals,
  loading,
  value,
  onChange,
}: {
  seals: MySeal[];
  loading: boolean;
  value: string | undefined;
  onChange: (id: string) => void;
}) {
  if (seals.length === 0 && !loading) {
    return <Empty description="您暂无可用的印章，请联系印章管理员授权" image={Empty.PRESENTED_IMAGE_SIMPLE} />;
  }
  return (
    <Select
      aria-label="印章"
      showSearch
      optionFilterProp="label"
      style={{ width: '100%' }}
      placeholder="选择已授权给您的印章"
      loading={loading}
      value={value}
      onChange={onChange}
      options={seals.map((m) => ({ value: m.seal.id, label: `${m.seal.name}（${m.seal.typeName}）` }))}
    />
  );
}

/**
 * 签章选项 shared by 单个签章 and 批量签章: keyword / 签名域 placement, 骑缝章, barcode, protection and
 * 事由/地点. Rendered inside the caller's <Form> so `buildSignOptions` reads the same values.
 */
export function RuleFields({
  mode,
  values,
  kind,
  pageCount,
}: {
  mode: Mode;
  values: Partial<OptionValues>;
  /** The document kind; OFD hides the PDF-only options. Undefined before a file is chosen. */
  kind?: 'pdf' | 'ofd';
  pageCount: number | null;
}) {
  return (
    <>
      {mode === 'keyword' && (
        <>
          <Form.Item name="keyword" label="关键字" extra="印章中心对准关键字，如单位名称或“（盖章）”">
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="occurrence" label="盖在">
            <Radio.Group
              options={[
                { value: 'first', label: '第一处' },
                { value: 'nth', label: '第 N 处' },
                { value: 'all', label: '每一处' },
              ]}
            />
          </Form.Item>
          {values.occurrence === 'nth' && (
            <Form.Item name="occurrenceN" label="第几处">
              <InputNumber min={1} max={10000} />
            </Form.Item>
          )}
        </>
      )}
      {mode === 'field' && (
        <Form.Item name="field" label="签名域名称" extra="文件中已有的空签名域，印章居中盖在域内">
          <Input maxLength={100} />
        </Form.Item>
      )}
      <Form.Item name="straddle" valuePropName="checked" style={{ marginBottom: 4 }} hidden={mode === 'straddle'}>
        <Checkbox>加盖骑缝章</Checkbox>
      </Form.Item>
      {(values.straddle || mode === 'straddle') && (
        <Space wrap>
          <Form.Item name="straddleSide" label="位置">
            <Radio.Group
              options={[
                { value: 'right', label: '右侧' },
                { value: 'left', label: '左侧' },
              ]}
            />
          </Form.Item>
          <Form.Item name="straddleEvery" label="每组页数" tooltip="页数多时每 N 页一组分别加盖，不填则全部页面一组">
            <InputNumber min={2} max={100} placeholder="全部" />
          </Form.Item>
          <Form.Item name="straddleY" label="距顶部（mm）" tooltip="印章中心的高度，不填则居中">
            <InputNumber min={0} max={2000} placeholder="居中" />
          </Form.Item>
        </Space>
      )}
      {kind !== 'ofd' && (
        <>
          <Form.Item name="barcode" valuePropName="checked" style={{ marginBottom: 4 }}>
            <Checkbox>加印二维码 / 条形码</Checkbox>
          </Form.Item>
          {values.barcode && (
            <>
              <Space wrap>
                <Form.Item name="barcodeType" label="类型">
                  <Select
                    style={{ width: 110 }}
                    options={[
                      { value: 'qr', label: 'QR 码' },
                      { value: 'pdf417', label: 'PDF417' },
                      { value: 'code128', label: 'CODE128' },
                      { value: 'code39', label: 'CODE39' },
                    ]}
                  />
                </Form.Item>
                <Form.Item name="barcodePage" label="页码">
                  <InputNumber min={1} max={pageCount ?? 100000} />
                </Form.Item>
                <Form.Item name="barcodeX" label="X（mm）">
                  <InputNumber min={0} max={2000} />
                </Form.Item>
                <Form.Item name="barcodeY" label="Y（mm）">
                  <InputNumber min={0} max={2000} />
                </Form.Item>
              </Space>
              <Form.Item name="barcodeText" label="内容" extra="不填则为本文件的验证链接，扫码即可核验">
                <Input maxLength={500} />
              </Form.Item>
            </>
          )}
          <Form.Item label="文档保护" style={{ marginBottom: 4 }}>
            <Space wrap>
              <Form.Item name="noPrint" valuePropName="checked" noStyle>
                <Checkbox>禁止打印</Checkbox>
              </Form.Item>
              <Form.Item name="noCopy" valuePropName="checked" noStyle>
                <Checkbox>禁止复制</Checkbox>
              </Form.Item>
            </Space>
          </Form.Item>
          <Form.Item name="certify" label="签章后允许的修改">
            <Select
              allowClear
              placeholder="不限制（仍可继续签章）"
              options={[
                { value: 1, label: '不允许任何修改' },
                { value: 2, label: '只允许填表和签章' },
                { value: 3, label: '允许填表、签章和批注' },
              ]}
            />
          </Form.Item>
        </>
      )}
      <Space wrap>
        <Form.Item name="reason" label="签章事由">
          <Input maxLength={100} style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="location" label="签章地点">
          <Input maxLength={100} style={{ width: 160 }} />
        </Form.Item>
      </Space>
    </>
  );
}

/** 页码 and X/Y in millimetres, kept in step with the dragged seal; 多页签章 with it. */
export function PositionFields({
  placement,
  pageCount,
  onChange,
  canDrag,
  multiPage,
  pages,
}: {
  placement: Placement | null;
  pageCount: number | null;
  onChange: (patch: Partial<{ page: number; xMm: number; yMm: number }>) => void;
  /** Whether a preview is shown to drag the seal onto (PDF in 单个签章). */
  canDrag: boolean;
  multiPage: boolean;
  pages?: 'all' | 'range';
}) {
  const mm = placement
    ? { page: placement.page, x: round1(ptToMm(placement.x)), y: round1(ptToMm(placement.y)) }
    : null;
  return (
    <>
      {canDrag && (
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
          把右侧的印章拖到页面上；也可在下面直接填写（毫米，从页面左上角量起，印章中心）。
        </Typography.Paragraph>
      )}
      <Space wrap>
        <Form.Item label="页码">
          <InputNumber
            aria-label="盖章页码"
            min={1}
            max={pageCount ?? 100000}
            value={mm?.page ?? null}
            onChange={(page) => page && onChange({ page })}
          />
        </Form.Item>
        <Form.Item label="X（mm）">
          <InputNumber
            aria-label="印章中心 X（毫米）"
            min={0}
            max={2000}
            step={1}
            value={mm?.x ?? null}
            onChange={(xMm) => xMm != null && onChange({ xMm })}
          />
        </Form.Item>
        <Form.Item label="Y（mm）">
          <InputNumber
            aria-label="印章中心 Y（毫米）"
            min={0}
            max={2000}
            step={1}
            value={mm?.y ?? null}
            onChange={(yMm) => yMm != null && onChange({ yMm })}
          />
        </Form.Item>
      </Space>
      <Form.Item name="multiPage" valuePropName="checked" style={{ marginBottom: 4 }}>
        <Checkbox>多页签章（每页相同位置各盖一次）</Checkbox>
      </Form.Item>
      {multiPage && (
        <Space wrap>
          <Form.Item name="pages">
            <Radio.Group
              options={[
                { value: 'all', label: '全部页面' },
                { value: 'range', label: '指定页' },
              ]}
            />
          </Form.Item>
          {pages === 'range' && (
            <Form.Item name="pageRange" rules={[{ pattern: /^[\d\s,，-]+$/, message: '如 2-5,8' }]}>
              <Input placeholder="如 2-5,8" style={{ width: 140 }} />
            </Form.Item>
          )}
        </Space>
      )}
    </>
  );
}
