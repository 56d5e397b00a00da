/* Password character classes, for the password policy (口令策略). */

export type CharClass = 'lower' | 'upper' | 'digit' | 'symbol';
export const CHAR_CLASSES: CharClass[] = ['lower', 'upper', 'digit', 'symbol'];
export const CHAR_CLASS_NAMES: Record<CharClass, string> = {
  lower: '小写字母',
  upper: '大写字母',
  digit: '数字',
  symbol: '特殊字符',
};

export function hasClass(password: string, cls: CharClass): boolean {
  switch (cls) {
    case 'lower':
      return /[a-z]/.test(password);
    case 'upper':
      return /[A-Z]/.test(password);
    case 'digit':
      return /\d/.test(password);
    case 'symbol':
      return /[^A-Za-z0-9]/.test(password);
  }
}
