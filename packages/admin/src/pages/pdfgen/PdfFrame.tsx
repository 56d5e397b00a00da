import { DownloadOutlined } from '@ant-design/icons';
import { Button, Empty, Space, Spin, Typography } from 'antd';
import { useEffect } from 'react';
import type { PdfResult } from './api';

/** Shows a generated PDF in the browser's viewer, with its size and a download link. */
export function PdfFrame({
  pdf,
  loading,
  height = 640,
}: {
  pdf: PdfResult | null;
  loading?: boolean;
  height?: number;
}) {
  // Object URLs hold the PDF in memory until revoked.
  useEffect(() => () => (pdf ? URL.revokeObjectURL(pdf.url) : undefined), [pdf]);
  return (
    <Spin spinning={Boolean(loading)} tip="正在生成 PDF…">
      {pdf ? (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Space>
            <Typography.Text type="secondary" data-testid="pdf-size">
              {pdf.fileName}（{(pdf.size / 1024).toFixed(1)} KB）
            </Typography.Text>
            <Button size="small" icon={<DownloadOutlined />} href={pdf.url} download={pdf.fileName}>
              下载
            </Button>
          </Space>
          <iframe
            title="PDF 预览"
            src={pdf.url}
            data-testid="pdf-frame"
            style={{ width: '100%', height, border: '1px solid #f0f0f0', borderRadius: 6 }}
          />
        </Space>
      ) : (
        <div style={{ height, display: 'flex', alignItems: 'center', justifyContent: 'center' }}>
          <Empty description="点击“预览”生成 PDF" />
        </div>
      )}
    </Spin>
  );
}
