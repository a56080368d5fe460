// Choices the API accepts; no imports, so pure code and its tests load them without the GraphQL client.

/** Operators and no-data policies the API accepts (`OPERATORS`, `NO_DATA_POLICIES` in the API's alerts module). */
export const ALERT_OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
export const NO_DATA_POLICIES = ['no_data', 'ok', 'alerting'] as const;
export const FILTER_OPS = ['=', '!=', '=~', '!~'] as const;
export const MATCHER_OPS = ['=', '!='] as const;
export const RECURRENCES = ['none', 'daily', 'weekly'] as const;
export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
