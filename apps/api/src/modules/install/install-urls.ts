/** What the install routes need to know about a request: the address the caller used (proxy headers applied). */
export interface RequestAddress {
  protocol: string;
  host: string;
}

export class InstallUrlError extends Error {}

/**
 * Characters allowed in a URL baked into install.sh and the manifests. The value ends up between single quotes in
 * shell and in YAML, so anything a browser would not put into an origin anyway is refused rather than escaped.
 */
const SAFE_URL = /^https?:\/\/[A-Za-z0-9.\-:[\]]+(\/[A-Za-z0-9._~%/@+-]*)?$/;

/** The origin (`scheme://host[:port]`) the caller reached us at; throws InstallUrlError for a malformed Host. */
export function requestOrigin(req: RequestAddress): string {
  const protocol = req.protocol === 'https' ? 'https' : req.protocol === 'http' ? 'http' : undefined;
  if (!protocol || !req.host) throw new InstallUrlError('the request has no usable Host');
  let url: URL;
  try {
    url = new URL(`${protocol}://${req.host}`);
  } catch {
    throw new InstallUrlError('the request has no usable Host');
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    throw new InstallUrlError('the request has no usable Host');
  }
  return assertSafeUrl(url.origin);
}

export function assertSafeUrl(url: string): string {
  if (!SAFE_URL.test(url)) throw new InstallUrlError(`"${url.slice(0, 100)}" is not a URL install.sh can use`);
  return url;
}

/**
 * The ingest gateway agents enroll with: INGEST_PUBLIC_URL when configured (distributed mode, a load balancer),
 * else the host the caller reached the control plane at, on the ingest port — the embedded server runs both.
 */
export function ingestUrlFor(origin: string, config: { ingestPublicUrl: string | undefined; ingestPort: number }) {
  if (config.ingestPublicUrl) return assertSafeUrl(config.ingestPublicUrl);
  const url = new URL(origin);
  url.port = String(config.ingestPort);
  return assertSafeUrl(url.origin);
}
