export function profilesPath(tenantSlug: string): string {
  return `/t/${encodeURIComponent(tenantSlug)}/profiles`;
}
