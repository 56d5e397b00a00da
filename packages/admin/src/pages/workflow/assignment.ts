/*
 * Assignment rules (docs/decisions/0005, "Assignment rules") as the designer edits them: one rule is
 * a kind plus a value; anything else (several rules, an unknown form) stays editable as raw text.
 */

export type RuleKind =
  | 'none'
  | 'initiator'
  | 'user'
  | 'role'
  | 'roleInInitiatorOrg'
  | 'roleInVarOrg'
  | 'leader'
  | 'var'
  | 'custom';

export interface Rule {
  kind: RuleKind;
  /** username / role code / variable name / leader role code (empty = `leader`) / raw text for custom */
  value: string;
  /** 变量所指部门: the variable holding the org id, for `roleInVarOrg`. */
  orgVar: string;
}

export const ruleKindLabels: Record<RuleKind, string> = {
  none: '未设置',
  initiator: '发起人',
  user: '指定用户',
  role: '角色（任一持有人）',
  roleInInitiatorOrg: '发起人所在部门的角色',
  roleInVarOrg: '变量所指部门的角色',
  leader: '发起人的领导',
  var: '变量（表达式）',
  custom: '自定义规则',
};

/** A value may still be empty while the designer is being filled in (`user:` before a user is picked). */
const NAME = '[A-Za-z0-9_.\\-\\u4e00-\\u9fa5]*';

export function parseRule(text: string | null | undefined): Rule {
  const rule = (text ?? '').trim();
  const empty = { value: '', orgVar: '' };
  if (!rule) return { kind: 'none', ...empty };
  if (rule === 'initiator') return { kind: 'initiator', ...empty };
  if (rule === 'leader') return { kind: 'leader', ...empty };
  const match = (pattern: string) => new RegExp(`^${pattern}$`).exec(rule);
  let m = match(`user:(${NAME})`);
  if (m) return { kind: 'user', value: m[1] as string, orgVar: '' };
  m = match(`role:(${NAME})@initiatorOrg`);
  if (m) return { kind: 'roleInInitiatorOrg', value: m[1] as string, orgVar: '' };
  m = match(`role:(${NAME})@var:(${NAME})`);
  if (m) return { kind: 'roleInVarOrg', value: m[1] as string, orgVar: m[2] as string };
  m = match(`role:(${NAME})`);
  if (m) return { kind: 'role', value: m[1] as string, orgVar: '' };
  m = match(`leader:(${NAME})`);
  if (m) return { kind: 'leader', value: m[1] as string, orgVar: '' };
  m = match(`var:(${NAME})`);
  if (m) return { kind: 'var', value: m[1] as string, orgVar: '' };
  return { kind: 'custom', value: rule, orgVar: '' };
}

export function formatRule(rule: Rule): string {
  const value = rule.value.trim();
  switch (rule.kind) {
    case 'none':
      return '';
    case 'initiator':
      return 'initiator';
    case 'leader':
      return value ? `leader:${value}` : 'leader';
    case 'user':
      return `user:${value}`;
    case 'role':
      return `role:${value}`;
    case 'roleInInitiatorOrg':
      return `role:${value}@initiatorOrg`;
    case 'roleInVarOrg':
      return `role:${value}@var:${rule.orgVar.trim() || 'orgId'}`;
    case 'var':
      return `var:${value}`;
    case 'custom':
      return value;
  }
}

/** The rule for another kind, keeping the value where it still means the same thing. */
export function switchKind(rule: Rule, kind: RuleKind): Rule {
  const roleKinds: RuleKind[] = ['role', 'roleInInitiatorOrg', 'roleInVarOrg'];
  const keep = roleKinds.includes(rule.kind) && roleKinds.includes(kind);
  return { kind, value: keep ? rule.value : '', orgVar: kind === 'roleInVarOrg' ? rule.orgVar || 'orgId' : '' };
}

/** Deadline syntax of `jiyue:dueIn` / `jiyue:warnBefore`: `3wd`, `8wh`, `2d`, `4h`, `30m`. */
export type DurationUnit = 'wd' | 'wh' | 'd' | 'h' | 'm';

export const durationUnitLabels: Record<DurationUnit, string> = {
  wd: '工作日',
  wh: '工作小时',
  d: '自然日',
  h: '小时',
  m: '分钟',
};

export function parseDuration(text: string | null | undefined): { amount: number; unit: DurationUnit } | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(wd|wh|d|h|m)\s*$/.exec(text ?? '');
  return m ? { amount: Number(m[1]), unit: m[2] as DurationUnit } : null;
}

export function formatDuration(text: string | null | undefined): string {
  const d = parseDuration(text);
  return d ? `${d.amount} ${durationUnitLabels[d.unit]}` : (text ?? '');
}
