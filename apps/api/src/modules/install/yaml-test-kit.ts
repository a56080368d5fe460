import { spawnSync } from 'node:child_process';

/**
 * Parses a YAML stream with PyYAML (python3-yaml, a YAML 1.1 parser like the one in older kubectl), independent
 * of the emitter under test. Returns the documents as JSON values.
 */
export function parseYamlDocuments(yaml: string): unknown[] {
  const r = spawnSync(
    'python3',
    ['-c', 'import json, sys, yaml; json.dump(list(yaml.safe_load_all(sys.stdin)), sys.stdout)'],
    { input: yaml, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.error) throw new Error(`python3 is needed to parse YAML in tests: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`YAML did not parse:\n${r.stderr}\n--- input ---\n${yaml.slice(0, 2000)}`);
  return JSON.parse(r.stdout) as unknown[];
}
