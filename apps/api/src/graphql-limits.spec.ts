import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { depthLimitRule, MAX_QUERY_DEPTH } from './graphql-limits.js';

// A recursive type, as later issues will add (services → dependencies → services …).
const schema = buildSchema('type Node { name: String, next: Node } type Query { node: Node }');

/** `{ node { next { … { name } } } }` with `depth` levels below `node`. */
function nested(depth: number): string {
  return `{ node { ${'next { '.repeat(depth - 1)}name${' }'.repeat(depth - 1)} } }`;
}

describe('query depth limit', () => {
  it(`accepts queries up to depth ${MAX_QUERY_DEPTH} and refuses deeper ones`, () => {
    expect(validate(schema, parse(nested(MAX_QUERY_DEPTH)), [depthLimitRule])).toHaveLength(0);
    const errors = validate(schema, parse(nested(MAX_QUERY_DEPTH + 2)), [depthLimitRule]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/exceeds maximum operation depth/);
  });
});
