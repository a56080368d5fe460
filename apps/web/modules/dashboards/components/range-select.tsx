'use client';

import type { JSX } from 'react';
import { BarField } from '@/modules/shell/bar-field';
import { isTimeRangeKey } from '../../requests/request-filters';
import { TIME_RANGES, type TimeRangeKey } from '../dashboard-params';

export function RangeSelect({
  id,
  value,
  onChange,
}: {
  id: string;
  value: TimeRangeKey;
  onChange: (range: TimeRangeKey) => void;
}): JSX.Element {
  return (
    <BarField htmlFor={id} label="Time range">
      <select
        id={id}
        value={value}
        onChange={(event) => {
          if (isTimeRangeKey(event.target.value)) onChange(event.target.value);
        }}
      >
        {TIME_RANGES.map((range) => (
          <option key={range.value} value={range.value}>
            {range.label}
          </option>
        ))}
      </select>
    </BarField>
  );
}
