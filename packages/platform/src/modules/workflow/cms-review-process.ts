/*
 * 默认审核流程 shipped for the CMS: 初审, then 复审 when the channel asks for two levels.
 * Deployed by the workflow seed as key `cms-review`; operators may deploy new versions of it in
 * the designer (new documents then use the new version).
 */

export const CMS_REVIEW_KEY = 'cms-review';

export const CMS_REVIEW_BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:jiyue="http://jiyue.gov.cn/bpmn" id="cms-review-definitions" targetNamespace="http://jiyue.gov.cn/bpmn">
  <bpmn:process id="${CMS_REVIEW_KEY}" name="信息审核（默认流程）" isExecutable="true" jiyue:category="cms">
    <bpmn:startEvent id="submitted" name="提交审核" />
    <bpmn:sequenceFlow id="f_submit" sourceRef="submitted" targetRef="review1" />
    <bpmn:userTask id="review1" name="初审" jiyue:candidateGroups="reviewer@var:siteOrgId" jiyue:dueIn="2wd" />
    <bpmn:sequenceFlow id="f_r1" sourceRef="review1" targetRef="after1" />
    <bpmn:exclusiveGateway id="after1" name="初审结果" default="f_r1_done" />
    <bpmn:sequenceFlow id="f_r1_reject" name="退回" sourceRef="after1" targetRef="rejected">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">review1_outcome == "reject"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_r1_next" name="需复审" sourceRef="after1" targetRef="review2">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">levels &gt;= 2</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_r1_done" name="通过" sourceRef="after1" targetRef="approved" />
    <bpmn:userTask id="review2" name="复审" jiyue:candidateGroups="reviewer@var:siteOrgId" jiyue:dueIn="2wd" />
    <bpmn:sequenceFlow id="f_r2" sourceRef="review2" targetRef="after2" />
    <bpmn:exclusiveGateway id="after2" name="复审结果" default="f_r2_done" />
    <bpmn:sequenceFlow id="f_r2_reject" name="退回" sourceRef="after2" targetRef="rejected">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">review2_outcome == "reject"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_r2_done" name="通过" sourceRef="after2" targetRef="approved" />
    <bpmn:endEvent id="approved" name="审核通过" />
    <bpmn:endEvent id="rejected" name="退回修改" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="cms-review-diagram">
    <bpmndi:BPMNPlane id="cms-review-plane" bpmnElement="${CMS_REVIEW_KEY}">
      <bpmndi:BPMNShape id="submitted_di" bpmnElement="submitted"><dc:Bounds x="152" y="182" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="review1_di" bpmnElement="review1"><dc:Bounds x="240" y="160" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="after1_di" bpmnElement="after1" isMarkerVisible="true"><dc:Bounds x="395" y="175" width="50" height="50" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="review2_di" bpmnElement="review2"><dc:Bounds x="500" y="160" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="after2_di" bpmnElement="after2" isMarkerVisible="true"><dc:Bounds x="655" y="175" width="50" height="50" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="approved_di" bpmnElement="approved"><dc:Bounds x="772" y="182" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="rejected_di" bpmnElement="rejected"><dc:Bounds x="772" y="332" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f_submit_di" bpmnElement="f_submit"><di:waypoint x="188" y="200" /><di:waypoint x="240" y="200" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_r1_di" bpmnElement="f_r1"><di:waypoint x="340" y="200" /><di:waypoint x="395" y="200" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_r1_next_di" bpmnElement="f_r1_next"><di:waypoint x="445" y="200" /><di:waypoint x="500" y="200" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_r1_reject_di" bpmnElement="f_r1_reject"><di:waypoint x="420" y="225" /><di:waypoint x="420" y="350" /><di:waypoint x="772" y="350" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_r1_done_di" bpmnElement="f_r1_done"><di:waypoint x="420" y="175" /><di:waypoint x="420" y="100" /><di:waypoint x="790" y="100" /><di:waypoint x="790" y="182" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_r2_di" bpmnElement="f_r2"><di:waypoint x="600" y="200" /><di:waypoint x="655" y="200" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_r2_done_di" bpmnElement="f_r2_done"><di:waypoint x="705" y="200" /><di:waypoint x="772" y="200" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_r2_reject_di" bpmnElement="f_r2_reject"><di:waypoint x="680" y="225" /><di:waypoint x="680" y="350" /><di:waypoint x="772" y="350" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
