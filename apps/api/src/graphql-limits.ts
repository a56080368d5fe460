import type { ApolloServerPlugin } from '@apollo/server';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { apiError } from './graphql-errors.js';

/** Deeper selections than any console view needs are refused before execution. */
export const MAX_QUERY_DEPTH = 10;
/** Each field costs 1 unless it declares more (lists declare their page size). */
export const MAX_QUERY_COMPLEXITY = 2000;

export const depthLimitRule = depthLimit(MAX_QUERY_DEPTH);

/** Refuses over-complex operations with QUERY_TOO_COMPLEX once variables are known, before any resolver runs. */
export const complexityLimitPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document, schema }) {
        const complexity = getComplexity({
          schema,
          query: document,
          operationName: request.operationName ?? undefined,
          variables: request.variables ?? {},
          estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
        });
        if (complexity > MAX_QUERY_COMPLEXITY) {
          throw apiError('QUERY_TOO_COMPLEX', `query complexity ${complexity} exceeds ${MAX_QUERY_COMPLEXITY}`, {
            complexity,
            max: MAX_QUERY_COMPLEXITY,
          });
        }
      },
    };
  },
};
