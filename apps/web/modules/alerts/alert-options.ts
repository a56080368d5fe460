// Choices the API accepts; no imports, so pure code and its tests load them without the GraphQL client.

/** Operators and no-data policies the API accepts (`OPERATORS`, `NO_DATA_POLICIES` in the API's alerts module). */
export const ALERT_OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
export const NO_DATA_POLICIES = ['no_data', 'ok', 'alerting'] as const;
export const FILTER_OPS = ['=', '!=', '=~', '!~'] as const;
export const MATCHER_OPS = ['=', '!='] as const;
export const RECURRENCES = ['none', 'daily', 'weekly'] as const;
export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export const RULE_KINDS = ['threshold', 'forecast'] as const;
/** Forecast rules compare a forecast line with the threshold: a ceiling (> >=) or a floor (< <=). */
export const FORECAST_OPERATORS = ['>', '>=', '<', '<='] as const;
export const FORECAST_BOUNDS = ['POINT', 'INTERVAL_80', 'INTERVAL_95'] as const;
/** Seconds between evaluations the API accepts per kind. */
export const INTERVAL_LIMITS = { threshold: [15, 60], forecast: [60, 3600] } as const;
