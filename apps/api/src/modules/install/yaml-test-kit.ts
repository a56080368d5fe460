import { parseAllDocuments } from 'yaml';

/** Parses a YAML stream as a YAML 1.1 reader (older kubectl) would, failing on any error. */
export function parseYamlDocuments(yaml: string): unknown[] {
  return parseAllDocuments(yaml, { version: '1.1' }).map((doc) => {
    if (doc.errors.length) throw new Error(`YAML did not parse: ${doc.errors[0]?.message}\n${yaml.slice(0, 2000)}`);
    return doc.toJS();
  });
}
