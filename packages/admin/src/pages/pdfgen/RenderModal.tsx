import { FilePdfOutlined } from '@ant-design/icons';
import { Alert, App, Button, Col, Modal, Row, Segmented, Space } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError, api, errorMessage } from '../../api/client';
import { type PdfResult, type PdfTemplate, postForPdf, type TemplateDetail } from './api';
import { CodeEditor } from './CodeEditor';
import { PdfFrame } from './PdfFrame';

/**
 * 生成 PDF: what a business system does through POST /api/pdfgen/render, by hand — the current
 * version of a template filled with JSON or XML data.
 */
export function RenderModal({ template, onClose }: { template: PdfTemplate; onClose(): void }) {
  const { message } = App.useApp();
  const [format, setFormat] = useState<'json' | 'xml'>('json');
  const [json, setJson] = useState('{}');
  const [xml, setXml] = useState('<?xml version="1.0" encoding="UTF-8"?>\n<data>\n</data>');
  const [pdf, setPdf] = useState<PdfResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    api
      .get<TemplateDetail>(`/pdfgen/templates/${template.id}`)
      .then((detail) => setJson(JSON.stringify(detail.content.sampleData ?? {}, null, 2)))
      .catch((error) => message.error(errorMessage(error)));
  }, [template.id, message]);

  async function render() {
    setBusy(true);
    setProblem(null);
    try {
      let body: Record<string, unknown>;
      if (format === 'json') {
        let data: unknown;
        try {
          data = JSON.parse(json);
        } catch (error) {
          throw new Error(`业务数据不是合法的 JSON：${(error as Error).message}`);
        }
        body = { template: template.code, data };
      } else body = { template: template.code, xml };
      setPdf(await postForPdf('/pdfgen/render', body, `${template.name}.pdf`));
    } catch (error) {
      const fields = error instanceof ApiError ? error.problem.errors : undefined;
      setProblem(
        fields?.length
          ? `${(error as ApiError).problem.title}：${fields.map((f) => `${f.field} ${f.message}`).join('；')}`
          : errorMessage(error),
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal open width="90%" title={`生成 PDF：${template.name}`} footer={null} onCancel={onClose} destroyOnHidden>
      <Row gutter={16}>
        <Col span={11}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Space>
              <Segmented
                aria-label="数据格式"
                value={format}
                onChange={(v) => setFormat(v as 'json' | 'xml')}
                options={[
                  { value: 'json', label: 'JSON' },
                  { value: 'xml', label: 'XML' },
                ]}
              />
              <Button type="primary" icon={<FilePdfOutlined />} loading={busy} onClick={render}>
                生成
              </Button>
            </Space>
            {problem && <Alert type="error" showIcon message={problem} data-testid="render-problem" />}
            {format === 'json' ? (
              <CodeEditor label="业务数据（JSON）" language="json" value={json} onChange={setJson} height="520px" />
            ) : (
              <CodeEditor label="业务数据（XML）" language="liquid" value={xml} onChange={setXml} height="520px" />
            )}
          </Space>
        </Col>
        <Col span={13}>
          <PdfFrame pdf={pdf} loading={busy} height={600} />
        </Col>
      </Row>
    </Modal>
  );
}
