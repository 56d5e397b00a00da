import { BarChart, LineChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import type { CSSProperties } from 'react';

/*
 * ECharts for the console, tree-shaken to the bar and line charts the search pages draw (the full
 * build would add ~1 MB to the chunk). echarts-for-react handles mounting, option updates and
 * resizing with its container.
 */
echarts.use([BarChart, LineChart, GridComponent, TooltipComponent, DataZoomComponent, CanvasRenderer]);

const CHART_COLOR = '#1677ff';

/** Horizontal bars, largest first at the top: 热词 and similar rankings. */
export function RankingBarChart({
  data,
  label,
  style,
  onClickItem,
}: {
  data: { name: string; value: number }[];
  /** What the value counts (tooltip), e.g. 检索次数. */
  label: string;
  style?: CSSProperties;
  onClickItem?: (name: string) => void;
}) {
  const rows = [...data].reverse();
  return (
    <ReactEChartsCore
      echarts={echarts}
      notMerge
      style={{ height: Math.max(200, rows.length * 26 + 40), ...style }}
      onEvents={onClickItem ? { click: (e: { name: string }) => onClickItem(e.name) } : undefined}
      option={{
        color: [CHART_COLOR],
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'value', minInterval: 1 },
        yAxis: { type: 'category', data: rows.map((r) => r.name), axisLabel: { width: 140, overflow: 'truncate' } },
        series: [
          { name: label, type: 'bar', data: rows.map((r) => r.value), label: { show: true, position: 'right' } },
        ],
      }}
    />
  );
}

/** Counts over time (检索量): one or more lines sharing a date axis. */
export function TimeLineChart({
  dates,
  series,
  style,
}: {
  dates: string[];
  series: { name: string; values: number[] }[];
  style?: CSSProperties;
}) {
  return (
    <ReactEChartsCore
      echarts={echarts}
      notMerge
      style={{ height: 280, ...style }}
      option={{
        color: [CHART_COLOR, '#fa8c16', '#52c41a'],
        tooltip: { trigger: 'axis' },
        legend: undefined,
        grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: 'category', boundaryGap: false, data: dates },
        yAxis: { type: 'value', minInterval: 1 },
        series: series.map((s) => ({
          name: s.name,
          type: 'line',
          smooth: true,
          areaStyle: { opacity: 0.08 },
          data: s.values,
        })),
      }}
    />
  );
}
