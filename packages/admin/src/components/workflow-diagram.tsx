/*
 * Read-only BPMN diagram of a workflow instance (bpmn-js NavigatedViewer): the path already walked
 * in green, the current tasks highlighted with who holds them. Other modules (CMS review, 一件事)
 * can show it for their own instances. The bpmn.io watermark stays: its licence requires it.
 */
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import './workflow-diagram.css';
import { Alert } from 'antd';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { useEffect, useRef, useState } from 'react';

export interface DiagramMarks {
  completedElementIds?: string[];
  takenFlowIds?: string[];
  activeElementIds?: string[];
  /** Shown as a label above the task: who holds it now. */
  currentTasks?: { elementId: string; name?: string; assigneeName?: string | null }[];
  /** Elements to outline in red (validation errors). */
  errorElementIds?: string[];
}

type Any = any;

/** Adds our CSS markers and overlays; exported for the designer, which marks errors the same way. */
export function applyMarks(viewer: { get(name: string): Any }, marks: DiagramMarks): void {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  const mark = (ids: string[] | undefined, css: string) => {
    for (const id of ids ?? []) if (registry.get(id)) canvas.addMarker(id, css);
  };
  mark(marks.completedElementIds, 'jy-done');
  mark(marks.takenFlowIds, 'jy-done');
  mark(marks.activeElementIds, 'jy-active');
  mark(marks.errorElementIds, 'jy-error');
  for (const task of marks.currentTasks ?? []) {
    if (!registry.get(task.elementId) || !task.assigneeName) continue;
    const badge = document.createElement('div');
    badge.className = 'jy-assignee-badge';
    badge.textContent = task.assigneeName;
    overlays.add(task.elementId, 'jy-assignee', { position: { top: -22, left: 0 }, html: badge });
  }
}

export function WorkflowDiagram({ xml, marks, height = 420 }: { xml: string; marks: DiagramMarks; height?: number }) {
  const container = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const marksKey = JSON.stringify(marks);
  // biome-ignore lint/correctness/useExhaustiveDependencies: marksKey stands for marks
  useEffect(() => {
    if (!container.current) return;
    const viewer = new NavigatedViewer({ container: container.current });
    let alive = true;
    viewer
      .importXML(xml)
      .then(() => {
        if (!alive) return;
        (viewer.get('canvas') as Any).zoom('fit-viewport', 'auto');
        applyMarks(viewer as Any, marks);
        container.current?.setAttribute('data-ready', 'true');
      })
      .catch((e: Error) => alive && setError(e.message));
    return () => {
      alive = false;
      viewer.destroy();
    };
  }, [xml, marksKey]);
  if (error) return <Alert type="error" showIcon title="流程图无法显示" description={error} />;
  return (
    <div className="jy-diagram" style={{ height }}>
      <div ref={container} className="jy-diagram-canvas" data-testid="workflow-diagram" />
      <div className="jy-diagram-legend" aria-hidden>
        <span className="jy-legend-done">已完成</span>
        <span className="jy-legend-active">当前环节</span>
      </div>
    </div>
  );
}
