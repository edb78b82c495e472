import nodeSqlParser from 'node-sql-parser/build/trino.js';

const { Parser } = nodeSqlParser;
const parser = new Parser();

/** The parse tree of one Trino statement; throws with the parser's message when it is not valid Trino. */
export function parseTrino(sql: string): unknown {
  return parser.astify(sql, { database: 'trino' });
}

/**
 * The identifiers a statement reads as columns, and the names it defines itself (output aliases, CTE and
 * relation names, a VALUES list's column names, lambda parameters). In Trino a double-quoted name is always an
 * identifier; the parser keeps some of them as `double_quote_string`, so those count as column references too.
 */
export function identifiers(ast: unknown): { referenced: Set<string>; defined: Set<string> } {
  const referenced = new Set<string>();
  const defined = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.type === 'column_ref') {
      const column = n.column as string | { expr: { value: string } };
      const name = typeof column === 'string' ? column : column.expr.value;
      if (name !== '*') referenced.add(name);
    } else if (n.type === 'double_quote_string') {
      referenced.add(String(n.value));
    } else if (n.type === 'lambda') {
      for (const arg of (n.args as { value: { value: string }[] }).value) defined.add(arg.value);
    }
    if (typeof n.as === 'string') {
      // `AS list(indicator)` names a relation and its columns.
      const m = /^([^(]+)\((.*)\)$/.exec(n.as);
      if (m) {
        defined.add(m[1].trim());
        for (const c of m[2].split(',')) defined.add(c.trim());
      } else defined.add(n.as);
    }
    if (Array.isArray(n.with)) {
      for (const cte of n.with as { name: { value: string } }[]) defined.add(cte.name.value);
    }
    for (const value of Object.values(n)) visit(value);
  };
  visit(ast);
  return { referenced, defined };
}

/** Names a statement reads that are neither columns of its table nor defined by the statement itself. */
export function unknownColumns(sql: string, tableColumns: Iterable<string>): string[] {
  const { referenced, defined } = identifiers(parseTrino(sql));
  const known = new Set([...tableColumns, ...defined]);
  return [...referenced].filter((name) => !known.has(name)).sort();
}
