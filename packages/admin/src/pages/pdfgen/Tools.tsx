import { FilePdfOutlined, InboxOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  InputNumber,
  Radio,
  Row,
  Space,
  Typography,
  Upload,
  type UploadFile,
} from 'antd';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { type Capabilities, type PdfResult, uploadForPdf } from './api';
import { PdfFrame } from './PdfFrame';

const filesOf = (list: UploadFile[]) => list.map((f) => f.originFileObj).filter((f): f is NonNullable<typeof f> => !!f);

/** Word（.docx/.doc）转 PDF by LibreOffice on the server. */
export function WordToPdf({ caps }: { caps: Capabilities | null }) {
  const { message } = App.useApp();
  const [list, setList] = useState<UploadFile[]>([]);
  const [pdf, setPdf] = useState<PdfResult | null>(null);
  const [busy, setBusy] = useState(false);

  async function convert() {
    setBusy(true);
    try {
      setPdf(await uploadForPdf('/pdfgen/convert', filesOf(list)));
    } catch (error) {
      message.error(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Row gutter={16}>
      <Col span={9}>
        <Space direction="vertical" style={{ width: '100%' }}>
          {caps && !caps.libreoffice && (
            <Alert
              type="warning"
              showIcon
              message="服务器未安装 LibreOffice，无法转换 Word 文档"
              description="请运维人员安装 libreoffice-writer-nogui 后重试。"
              data-testid="libreoffice-missing"
            />
          )}
          <Upload.Dragger
            accept=".docx,.doc"
            maxCount={1}
            fileList={list}
            beforeUpload={() => false}
            onChange={({ fileList }) => setList(fileList.slice(-1))}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">点击或拖入 Word 文档（.docx、.doc，不超过 20 MB）</p>
          </Upload.Dragger>
          <Button
            type="primary"
            icon={<FilePdfOutlined />}
            disabled={!list.length || caps?.libreoffice === false}
            loading={busy}
            onClick={convert}
          >
            转换为 PDF
          </Button>
        </Space>
      </Col>
      <Col span={15}>
        <PdfFrame pdf={pdf} loading={busy} />
      </Col>
    </Row>
  );
}

/** 多张图片合并为一个 PDF (pdf-lib on the server), one page per image in the order shown. */
export function ImagesToPdf() {
  const { message } = App.useApp();
  const [list, setList] = useState<UploadFile[]>([]);
  const [fit, setFit] = useState<'a4' | 'image'>('a4');
  const [margin, setMargin] = useState(10);
  const [pdf, setPdf] = useState<PdfResult | null>(null);
  const [busy, setBusy] = useState(false);

  async function merge() {
    setBusy(true);
    try {
      setPdf(await uploadForPdf('/pdfgen/images', filesOf(list), { fit, margin: String(margin) }));
    } catch (error) {
      message.error(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Row gutter={16}>
      <Col span={9}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Upload
            accept=".png,.jpg,.jpeg"
            multiple
            listType="picture"
            fileList={list}
            beforeUpload={() => false}
            onChange={({ fileList }) => setList(fileList.slice(0, 50))}
          >
            <Button icon={<InboxOutlined />}>选择图片（PNG、JPEG，最多 50 张）</Button>
          </Upload>
          <Card size="small" title="页面">
            <Space direction="vertical">
              <Radio.Group
                aria-label="页面大小"
                value={fit}
                onChange={(e) => setFit(e.target.value)}
                options={[
                  { value: 'a4', label: '适应 A4 纸（按图片方向横放或竖放）' },
                  { value: 'image', label: '与图片同样大小' },
                ]}
              />
              {fit === 'a4' && (
                <Space>
                  <Typography.Text>页边距</Typography.Text>
                  <InputNumber
                    aria-label="页边距（毫米）"
                    min={0}
                    max={50}
                    value={margin}
                    onChange={(v) => setMargin(Number(v ?? 0))}
                    addonAfter="毫米"
                  />
                </Space>
              )}
            </Space>
          </Card>
          <Button type="primary" icon={<FilePdfOutlined />} disabled={!list.length} loading={busy} onClick={merge}>
            合并为 PDF
          </Button>
        </Space>
      </Col>
      <Col span={15}>
        <PdfFrame pdf={pdf} loading={busy} />
      </Col>
    </Row>
  );
}
