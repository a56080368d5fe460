import { GraphQLScalarType, Kind, type ObjectValueNode, type ValueNode } from 'graphql';

/** A literal written inline in a query, with its variables substituted. */
function literalValue(node: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.ENUM:
      return node.value;
    case Kind.LIST:
      return node.values.map((v) => literalValue(v, variables));
    case Kind.OBJECT:
      return objectValue(node, variables);
    case Kind.VARIABLE:
      return variables?.[node.name.value];
  }
}

function objectValue(node: ObjectValueNode, variables: Record<string, unknown> | null | undefined) {
  // A null-prototype object: a "__proto__" key is data, not a prototype.
  const out: Record<string, unknown> = Object.create(null);
  for (const field of node.fields) out[field.name.value] = literalValue(field.value, variables);
  return { ...out };
}

/**
 * Arbitrary JSON (objects, arrays, scalars), for documents whose shape is owned by a JSON schema rather than the
 * GraphQL schema — agent configuration. Whoever accepts a JSON argument validates it (validateAgentConfig).
 */
export const GraphQLJSON = new GraphQLScalarType({
  name: 'JSON',
  description: 'A JSON value: object, array, string, number, boolean or null.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (node, variables) => literalValue(node, variables),
});
