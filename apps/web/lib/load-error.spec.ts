import { describe, expect, it } from 'vitest';
import { GraphQLRequestError } from './graphql';
import { toLoadError } from './load-error';

describe('toLoadError', () => {
  it('keeps the code and message of a GraphQL request error', () => {
    expect(toLoadError(new GraphQLRequestError('Sign in first.', 'UNAUTHENTICATED', 200))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'Sign in first.',
    });
  });

  it('reports anything else as an internal error with its message', () => {
    expect(toLoadError(new TypeError('boom'))).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'boom' });
    expect(toLoadError('plain')).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'plain' });
  });
});
