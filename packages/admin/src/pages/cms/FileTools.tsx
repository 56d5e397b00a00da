import { App, Col, Form, Input, InputNumber, Modal, Row, Select, Slider } from 'antd';
import { useCallback, useEffect, useRef } from 'react';
import { api, errorMessage } from '../../api/client';
import { useFormSubmit } from '../../components/useFormSubmit';
import type { StoredFile } from './api';
import { type ImageValues, imageBody } from './logic';

/** Formats sharp can process (files.media.ts). */
export const EDITABLE_IMAGE = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif']);

/** 图片处理: resize and/or watermark; the server writes a new file and never changes the original. */
export function ImageModal({ file, onClose }: { file: StoredFile; onClose: (created: boolean) => void }) {
  const [form] = Form.useForm<ImageValues>();
  const { message } = App.useApp();
  const { submit, submitting } = useFormSubmit(form, async (values) => {
    const body = imageBody(values);
    if (!('resize' in body) && !('watermark' in body)) throw new Error('请填写缩放尺寸或水印文字');
    const created = await api.post<StoredFile>(`/cms/files/${file.id}/image`, body);
    message.success(`已生成新图片「${created.name}」`);
  });
  return (
    <Modal
      open
      title={`图片处理：${file.name}`}
      okText="生成新图片"
      confirmLoading={submitting}
      onOk={async () => (await submit()) && onClose(true)}
      onCancel={() => onClose(false)}
    >
      <Form form={form} layout="vertical" initialValues={{ fit: 'inside', position: 'southeast', opacity: 0.5 }}>
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item name="width" label="宽度（像素）">
              <InputNumber min={1} max={20000} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="height" label="高度（像素）">
              <InputNumber min={1} max={20000} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="fit" label="缩放方式">
              <Select
                options={[
                  { value: 'inside', label: '等比缩小' },
                  { value: 'cover', label: '裁剪填满' },
                  { value: 'contain', label: '留白填满' },
                  { value: 'fill', label: '拉伸' },
                ]}
              />
            </Form.Item>
          </Col>
          <Col span={16}>
            <Form.Item name="watermark" label="水印文字">
              <Input maxLength={50} placeholder="如：新乡市教育局" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="position" label="水印位置">
              <Select
                options={[
                  { value: 'southeast', label: '右下' },
                  { value: 'southwest', label: '左下' },
                  { value: 'northeast', label: '右上' },
                  { value: 'northwest', label: '左上' },
                  { value: 'centre', label: '居中' },
                ]}
              />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="opacity" label="水印不透明度">
              <Slider min={0.05} max={1} step={0.05} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="name" label="新文件名" extra="留空则为「原名-处理」">
              <Input maxLength={100} />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Modal>
  );
}

interface JobView {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  done: number;
  total: number;
  error: string | null;
}

/**
 * Starts 转码 jobs and follows them: a notification shows the progress and says when the MP4 is
 * ready (or why it failed). Polling stops when the page is left.
 */
export function useTranscode(onDone: () => void) {
  const { notification, message } = App.useApp();
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const t of pending) clearTimeout(t);
    };
  }, []);

  const follow = useCallback(
    (jobId: string, name: string) => {
      const key = `transcode-${jobId}`;
      const poll = async () => {
        try {
          const job = await api.get<JobView>(`/jobs/${jobId}`);
          if (job.status === 'succeeded') {
            notification.success({ key, message: '视频转码完成', description: `「${name}」已转为 MP4，见文件列表。` });
            onDone();
            return;
          }
          if (job.status === 'failed') {
            notification.error({ key, message: '视频转码失败', description: job.error ?? name, duration: 0 });
            return;
          }
          const percent = job.total ? Math.round((job.done / job.total) * 100) : 0;
          notification.info({ key, message: '视频转码中', description: `「${name}」${percent}%`, duration: 0 });
        } catch (error) {
          notification.error({ key, message: '无法查询转码进度', description: errorMessage(error) });
          return;
        }
        const t = setTimeout(() => {
          timers.current.delete(t);
          poll();
        }, 2000);
        timers.current.add(t);
      };
      poll();
    },
    [notification, onDone],
  );

  return useCallback(
    async (file: StoredFile) => {
      try {
        const { jobId } = await api.post<{ jobId: string }>(`/cms/files/${file.id}/transcode`);
        follow(jobId, file.name);
      } catch (error) {
        message.error(errorMessage(error));
      }
    },
    [follow, message],
  );
}
