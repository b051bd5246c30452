// Shell arithmetic ($(( … )), XCU 2.6.4): signed integers, variables by bare name, the C
// operators bash accepts in expressions scenarios write (+ - * / % **, comparisons, && || !,
// parentheses, unary minus). An error is bash's message.

export class ArithError extends Error {}

export function evalArith(text: string, lookup: (name: string) => string | undefined): bigint {
  const toks = text.match(/\s*(\d+|[A-Za-z_][A-Za-z0-9_]*|\*\*|<=|>=|==|!=|&&|\|\||[-+*/%()<>!])/gy);
  const joined = (toks ?? []).join('');
  if (joined.length !== text.length && text.slice(joined.length).trim() !== '') {
    const rest = text.slice(joined.length).trim();
    throw new ArithError(`${text.trim()}: syntax error: invalid arithmetic operator (error token is "${rest}")`);
  }
  const t = (toks ?? []).map((x) => x.trim());
  let i = 0;
  const value = (name: string, depth = 0): bigint => {
    const v = lookup(name);
    if (v === undefined || v.trim() === '') return 0n;
    if (/^\s*-?\d+\s*$/.test(v)) return BigInt(v.trim());
    if (depth > 10) throw new ArithError(`${v}: expression recursion level exceeded`);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.trim())) return value(v.trim(), depth + 1);
    return evalArith(v, lookup);
  };
  const primary = (): bigint => {
    const tok = t[i++];
    if (tok === undefined) throw new ArithError(`${text.trim()}: syntax error: operand expected (error token is "${text.trim() === '' ? '' : t[t.length - 1]}")`);
    if (tok === '(') {
      const v = expr(0);
      if (t[i++] !== ')') throw new ArithError(`${text.trim()}: syntax error: missing \`)'`);
      return v;
    }
    if (tok === '-') return -primary();
    if (tok === '+') return primary();
    if (tok === '!') return primary() === 0n ? 1n : 0n;
    if (/^\d+$/.test(tok)) return BigInt(tok);
    if (/^[A-Za-z_]/.test(tok)) return value(tok);
    throw new ArithError(`${text.trim()}: syntax error: operand expected (error token is "${t.slice(i - 1).join(' ')}")`);
  };
  const PREC: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 4, '>': 4, '<=': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6, '**': 7 };
  const expr = (min: number): bigint => {
    let left = primary();
    for (;;) {
      const op = t[i];
      const p = op === undefined ? undefined : PREC[op];
      if (p === undefined || p < min) return left;
      i++;
      const right = expr(op === '**' ? p : p + 1);
      left = apply(op!, left, right);
    }
  };
  const apply = (op: string, a: bigint, b: bigint): bigint => {
    switch (op) {
      case '+': return a + b;
      case '-': return a - b;
      case '*': return a * b;
      case '/': case '%':
        if (b === 0n) throw new ArithError(`${text.trim()}: division by 0 (error token is "${t[t.length - 1]}")`);
        return op === '/' ? a / b : a % b;
      case '**':
        if (b < 0n) throw new ArithError(`${text.trim()}: exponent less than 0 (error token is "${t[t.length - 1]}")`);
        if (b > 4096n) throw new ArithError(`${text.trim()}: exponent too large for swarmsim`);
        return a ** b;
      case '<': return a < b ? 1n : 0n;
      case '>': return a > b ? 1n : 0n;
      case '<=': return a <= b ? 1n : 0n;
      case '>=': return a >= b ? 1n : 0n;
      case '==': return a === b ? 1n : 0n;
      case '!=': return a !== b ? 1n : 0n;
      case '&&': return a !== 0n && b !== 0n ? 1n : 0n;
      default: return a !== 0n || b !== 0n ? 1n : 0n;
    }
  };
  if (t.length === 0) return 0n;
  const v = expr(0);
  if (i < t.length) throw new ArithError(`${text.trim()}: syntax error in expression (error token is "${t.slice(i).join(' ')}")`);
  // bash's arithmetic is 64-bit two's complement.
  return BigInt.asIntN(64, v);
}
