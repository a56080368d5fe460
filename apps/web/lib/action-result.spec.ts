import { describe, expect, it } from 'vitest';
import { blamedField } from './action-result';

describe('blamedField', () => {
  it('prefers the field the API named', () => {
    expect(
      blamedField({ code: 'BAD_USER_INPUT', message: 'needs 1 to 50 values', field: 'conditions[2].values' }),
    ).toBe('conditions[2].values');
    expect(blamedField({ code: 'CONFLICT', message: 'a team named "ops" exists', field: 'name' })).toBe('name');
  });

  it('reads the input from a validation message', () => {
    expect(blamedField({ code: 'BAD_USER_INPUT', message: 'name may contain letters, digits' })).toBe('name');
    expect(
      blamedField({ code: 'BAD_USER_INPUT', message: 'conditions.0.values must contain at least 1 elements' }),
    ).toBe('conditions[0].values');
  });

  it('leaves words that name no input to the caller, and is undefined without a word', () => {
    expect(blamedField({ code: 'FORBIDDEN', message: 'you cannot grant read on Request' })).toBe('you');
    expect(blamedField({ code: 'INTERNAL', message: 'boom' })).toBeUndefined();
  });
});
