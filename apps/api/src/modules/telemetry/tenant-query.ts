/**
 * The only way API code reads telemetry. A TenantQuery always starts from the caller's tenant predicate
 * (taken from the authenticated viewer) and accepts further conditions only as SQL fragments with bound
 * parameters, so neither the tenant nor user input can be spliced into the SQL text.
 */
export class TenantQuery {
  private readonly conditions: string[] = ['tenant_id = {tenant_id:UInt32}'];
  private readonly params: Record<string, unknown>;
  private paramCount = 0;

  constructor(tenantId: number) {
    if (!Number.isInteger(tenantId) || tenantId <= 0) throw new Error('TenantQuery needs a positive tenant id');
    this.params = { tenant_id: tenantId };
  }

  /**
   * Adds a condition. `fragment` uses `$` for the bound value, e.g. `where('response_code = $', 'UInt16', 500)`;
   * fragments are written by us, values come from users.
   */
  where(fragment: string, type: string, value: unknown): this {
    const name = `p${this.paramCount++}`;
    this.params[name] = value;
    this.conditions.push(fragment.replaceAll('$', `{${name}:${type}}`));
    return this;
  }

  /** Like `where`, with several values bound to `$1`, `$2`, … in order. */
  whereAll(fragment: string, values: [type: string, value: unknown][]): this {
    let sql = fragment;
    values.forEach(([type, value], i) => {
      const name = `p${this.paramCount++}`;
      this.params[name] = value;
      sql = sql.replaceAll(`$${i + 1}`, `{${name}:${type}}`);
    });
    this.conditions.push(sql);
    return this;
  }

  /** Binds a value and returns its placeholder, for conditions composed by our own code (see telemetryScope). */
  bind(type: string, value: unknown): string {
    const name = `p${this.paramCount++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }

  /** Adds a condition built only from our SQL and placeholders returned by `bind`. */
  whereBound(sql: string): this {
    this.conditions.push(sql);
    return this;
  }

  whereSql(): string {
    return this.conditions.map((c) => `(${c})`).join(' AND ');
  }

  queryParams(): Record<string, unknown> {
    return { ...this.params };
  }
}
