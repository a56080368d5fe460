/**
 * Annotation templates in the Prometheus style: `{{ $labels.service }}` and `{{ $value }}`. Plain substitution,
 * no template language: annotations are written by tenants and rendered in our process.
 */
export function renderTemplate(
  template: string,
  labels: Readonly<Record<string, string>>,
  value: number | null,
): string {
  return template
    .replace(/\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => labels[name] ?? '')
    .replace(/\{\{\s*\$value\s*\}\}/g, () => (value === null ? 'no data' : formatValue(value)));
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}
