// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per file, largest first.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function topSelfTime(file, n = 20) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // timeDeltas[i] is the time before samples[i]: the sample's node gets it.
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const fn = new Map();
  const files = new Map();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const where = url ? `${path.basename(url)}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const f = url ? path.relative(process.cwd(), url.replace(/^file:\/\//, '')) : functionName;
    files.set(f, (files.get(f) ?? 0) + us);
  }
  const top = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${((100 * us) / total).toFixed(1)}% ${k}`);
  return { totalMs: Math.round(total / 1000), functions: top(fn), files: top(files) };
}
