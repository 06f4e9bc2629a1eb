import { describe, expect, it } from 'vitest';
import { compileExpr, compileTemplate, ExprError } from '../../src/mapping/file/expr.ts';

describe('expressions', () => {
  it('evaluates arithmetic, hex, comparisons, logic and functions', () => {
    const env = { i: 3, bank: 8, page: 1 };
    expect(compileExpr('0x68 + i').evaluate(env)).toBe(0x6b);
    expect(compileExpr('bank + i + 1').evaluate(env)).toBe(12);
    expect(compileExpr('(i + 1) * 7 % 10').evaluate(env)).toBe(8);
    expect(compileExpr('page == 1 && !(i < 2) || 0').evaluate(env)).toBe(1);
    expect(compileExpr('-i + max(bank, 10) - clamp(i, 0, 2)').evaluate(env)).toBe(5);
    expect([...compileExpr('bank + i').names]).toEqual(['bank', 'i']);
  });

  it('points at the offending offset', () => {
    const at = (text: string) => {
      try {
        compileExpr(text);
      } catch (e) {
        return [(e as ExprError).offset, (e as ExprError).message];
      }
      return undefined;
    };
    expect(at('1 + $')).toEqual([4, "unexpected '$' in expression '1 + $'"]);
    expect(at('max(1)')).toEqual([0, 'max() takes 2 argument(s), got 1']);
    expect(at('(1 + 2')).toEqual([6, "expected ')' in expression '(1 + 2'"]);
  });

  it('renders templates with formats, keeps OSC alternations and the value placeholder', () => {
    const t = compileTemplate('/ch/{i + 1:02}/mix/{ch,bus}/{value:.3f}');
    expect(t.render({ i: 0 }, 0.75)).toBe('/ch/01/mix/{ch,bus}/0.750');
    expect(t.render({ i: 0 })).toBe('/ch/01/mix/{ch,bus}/{value}');
    expect(t.hasValue).toBe(true);
    expect(() => compileTemplate('/ch/{i + }')).toThrow(ExprError);
    expect(() => compileTemplate('/ch/{i')).toThrow(/unclosed/);
  });
});
