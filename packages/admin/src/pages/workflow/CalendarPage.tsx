/*
 * 工作日历: a year at a glance (节假日 red, 调休上班 blue, weekends grey); clicking a day edits it.
 * Changes are kept locally until 保存, which replaces the year's exceptions on the server. Also the
 * office hours and a deadline calculator that uses the server's own business calendar.
 */
import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Modal,
  Radio,
  Row,
  Select,
  Space,
  Statistic,
  TimePicker,
  Typography,
} from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../../api/client';
import { useRemote } from '../../components/data';
import { PageCard } from '../../components/ui';
import { type CalendarDay, type CalendarDayKind, type CalendarYear, type WorkHours, workflowApi } from './api';
import { durationUnitLabels } from './assignment';
import { countWorkdays, dateKey, dayStatus, monthGrid, setException } from './calendar';

const STATUS_TEXT = { workday: '工作日', weekend: '休息日', holiday: '节假日', adjusted: '调休上班' } as const;
const WEEK = ['一', '二', '三', '四', '五', '六', '日'];
const MONTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

export default function CalendarPage() {
  const { message } = App.useApp();
  const [year, setYear] = useState(() => new Date().getFullYear());
  const remote = useRemote(() => workflowApi.calendar(year), [year], null as CalendarYear | null);
  const [days, setDays] = useState<CalendarDay[]>([]);
  const [dirty, setDirty] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    setDays((remote.data?.days ?? []).map((d) => ({ ...d, date: dateKey(d.date), name: d.name ?? '' })));
    setDirty(false);
  }, [remote.data]);
  const exceptions = useMemo(() => new Map(days.map((d) => [d.date, d])), [days]);

  const save = async () => {
    setSaving(true);
    try {
      await workflowApi.saveCalendar(year, days);
      message.success(`${year} 年工作日历已保存`);
      remote.reload();
    } catch (error) {
      message.error(errorMessage(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <PageCard
      title="工作日历"
      extra={
        <>
          <Button aria-label="上一年" icon={<LeftOutlined />} disabled={dirty} onClick={() => setYear((y) => y - 1)} />
          <Typography.Text strong>{year} 年</Typography.Text>
          <Button aria-label="下一年" icon={<RightOutlined />} disabled={dirty} onClick={() => setYear((y) => y + 1)} />
          <Button disabled={!dirty} onClick={() => remote.reload()}>
            放弃修改
          </Button>
          <Button type="primary" disabled={!dirty} loading={saving} onClick={save}>
            保存
          </Button>
        </>
      }
    >
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col span={6}>
          <Statistic title="全年工作日" value={countWorkdays(year, exceptions)} suffix="天" />
        </Col>
        <Col span={6}>
          <Statistic title="节假日" value={days.filter((d) => d.kind === 'holiday').length} suffix="天" />
        </Col>
        <Col span={6}>
          <Statistic title="调休上班" value={days.filter((d) => d.kind === 'workday').length} suffix="天" />
        </Col>
        <Col span={6}>
          <Space className="jy-cal-legend" wrap>
            <span className="jy-day jy-day-holiday">休</span>节假日
            <span className="jy-day jy-day-adjusted">班</span>调休上班
            <span className="jy-day jy-day-weekend">六</span>周末
          </Space>
        </Col>
      </Row>
      <section className="jy-year" aria-label={`${year} 年日历`}>
        {MONTHS.map((month) => (
          <div key={month} className="jy-month">
            <div className="jy-month-title">{month + 1} 月</div>
            <table>
              <thead>
                <tr>
                  {WEEK.map((w) => (
                    <th key={w}>{w}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {monthGrid(year, month).map((week) => (
                  <tr key={week[0]?.key}>
                    {week.map(({ key, date }) => {
                      if (!date) return <td key={key} />;
                      const status = dayStatus(date, exceptions);
                      const name = exceptions.get(date)?.name;
                      return (
                        <td key={date}>
                          <button
                            type="button"
                            className={`jy-day jy-day-${status}`}
                            title={`${date} ${STATUS_TEXT[status]}${name ? `（${name}）` : ''}`}
                            aria-label={`${date} ${STATUS_TEXT[status]}`}
                            onClick={() => setEditing(date)}
                          >
                            {Number(date.slice(8))}
                          </button>
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </section>
      {editing && (
        <DayModal
          date={editing}
          current={exceptions.get(editing)}
          weekend={dayStatus(editing, new Map()) === 'weekend'}
          onClose={() => setEditing(null)}
          onSave={(kind, name) => {
            setDays((list) => setException(list, editing, kind, name));
            setDirty(true);
            setEditing(null);
          }}
        />
      )}
      <Row gutter={16} style={{ marginTop: 16 }}>
        <Col xs={24} lg={12}>
          {remote.data && <WorkHoursCard hours={remote.data.workHours} />}
        </Col>
        <Col xs={24} lg={12}>
          <DeadlineCalculator />
        </Col>
      </Row>
    </PageCard>
  );
}

function DayModal({
  date,
  current,
  weekend,
  onClose,
  onSave,
}: {
  date: string;
  current: CalendarDay | undefined;
  weekend: boolean;
  onClose: () => void;
  onSave: (kind: CalendarDayKind | null, name: string) => void;
}) {
  const [kind, setKind] = useState<CalendarDayKind | 'default'>(current?.kind ?? 'default');
  const [name, setName] = useState(current?.name ?? '');
  return (
    <Modal
      open
      title={`${date}（星期${WEEK[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]}）`}
      okText="确定"
      cancelText="取消"
      onCancel={onClose}
      onOk={() => onSave(kind === 'default' ? null : kind, name)}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Radio.Group value={kind} onChange={(e) => setKind(e.target.value)}>
          <Radio value="default">按常规（{weekend ? '周末休息' : '工作日'}）</Radio>
          <Radio value="holiday">节假日（放假）</Radio>
          <Radio value="workday">调休上班</Radio>
        </Radio.Group>
        {kind !== 'default' && (
          <Input
            aria-label="名称"
            placeholder={kind === 'holiday' ? '如 国庆节' : '如 国庆节调休'}
            value={name}
            maxLength={50}
            onChange={(e) => setName(e.target.value)}
          />
        )}
      </Space>
    </Modal>
  );
}

const time = (v: string | null) => (v ? dayjs(v, 'HH:mm') : null);

function WorkHoursCard({ hours }: { hours: WorkHours }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<{ work: [Dayjs, Dayjs]; lunch?: [Dayjs, Dayjs] | null }>();
  const [saving, setSaving] = useState(false);
  const save = async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      await workflowApi.saveWorkHours({
        start: v.work[0].format('HH:mm'),
        end: v.work[1].format('HH:mm'),
        lunchStart: v.lunch?.[0]?.format('HH:mm') ?? null,
        lunchEnd: v.lunch?.[1]?.format('HH:mm') ?? null,
      });
      message.success('工作时间已保存');
    } catch (error) {
      message.error(errorMessage(error));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Card size="small" title="工作时间（计算工作小时）">
      <Form
        form={form}
        layout="inline"
        initialValues={{
          work: [time(hours.start), time(hours.end)],
          lunch: hours.lunchStart ? [time(hours.lunchStart), time(hours.lunchEnd)] : null,
        }}
      >
        <Form.Item name="work" label="上下班" rules={[{ required: true, message: '请填写上下班时间' }]}>
          <TimePicker.RangePicker format="HH:mm" minuteStep={5} />
        </Form.Item>
        <Form.Item name="lunch" label="午休">
          <TimePicker.RangePicker format="HH:mm" minuteStep={5} />
        </Form.Item>
        <Form.Item>
          <Button onClick={save} loading={saving}>
            保存工作时间
          </Button>
        </Form.Item>
      </Form>
    </Card>
  );
}

function DeadlineCalculator() {
  const [form] = Form.useForm<{ start: Dayjs; amount: number; unit: string }>();
  const [result, setResult] = useState<string | null>(null);
  const { message } = App.useApp();
  const compute = async () => {
    const v = await form.validateFields();
    try {
      const { deadline } = await workflowApi.compute({ start: v.start.toISOString(), amount: v.amount, unit: v.unit });
      setResult(dayjs(deadline).format('YYYY-MM-DD HH:mm'));
    } catch (error) {
      message.error(errorMessage(error));
    }
  };
  return (
    <Card size="small" title="期限试算">
      <Form form={form} layout="inline" initialValues={{ start: dayjs(), amount: 3, unit: 'wd' }}>
        <Form.Item name="start" rules={[{ required: true }]}>
          <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" aria-label="起算时间" />
        </Form.Item>
        <Form.Item name="amount" rules={[{ required: true }]}>
          <InputNumber min={0.5} max={10000} step={1} aria-label="时长" style={{ width: 90 }} />
        </Form.Item>
        <Form.Item name="unit">
          <Select
            style={{ width: 110 }}
            aria-label="单位"
            options={Object.entries(durationUnitLabels).map(([value, label]) => ({ value, label }))}
          />
        </Form.Item>
        <Form.Item>
          <Button onClick={compute}>计算</Button>
        </Form.Item>
      </Form>
      {result && (
        <Typography.Paragraph style={{ marginTop: 12, marginBottom: 0 }}>
          到期时间：<Typography.Text strong>{result}</Typography.Text>
        </Typography.Paragraph>
      )}
    </Card>
  );
}
