import { defineOperation } from '@/lib/graphql';

export interface TimeRangeInput {
  from: string;
  to: string;
}

export interface ProfileFilterInput {
  service?: string;
  process?: string;
  pid?: number;
  eventType?: string;
}

export interface ProfileNode {
  id: number;
  /** -1 for the root. */
  parentId: number;
  name: string;
  value: number;
  selfValue: number;
  /** Several small subtrees merged by the API. */
  other: boolean;
}

export interface ProfileDiffNode extends ProfileNode {
  baseValue: number;
  baseSelfValue: number;
  /** Self value minus the base's, the base scaled to the comparison's total: > 0 grew. */
  delta: number;
}

export interface ProfileFunction {
  name: string;
  selfValue: number;
  totalValue: number;
}

export interface ProfileData {
  profile: {
    total: number;
    stacks: number;
    truncated: boolean;
    nodes: ProfileNode[];
    topFunctions: ProfileFunction[];
  };
}

export const PROFILE_QUERY = defineOperation<ProfileData, { timeRange: TimeRangeInput; filter?: ProfileFilterInput }>(
  'Profile',
  `query Profile($timeRange: TimeRangeInput!, $filter: ProfileFilterInput) {
  profile(timeRange: $timeRange, filter: $filter) {
    total stacks truncated
    nodes { id parentId name value selfValue other }
    topFunctions { name selfValue totalValue }
  }
}`,
);

export interface ProfileSelection {
  timeRange: TimeRangeInput;
  filter?: ProfileFilterInput;
}

export interface ProfileDiffData {
  profileDiff: {
    total: number;
    baseTotal: number;
    truncated: boolean;
    nodes: ProfileDiffNode[];
    topFunctions: { name: string; selfValue: number; baseSelfValue: number }[];
  };
}

export const PROFILE_DIFF_QUERY = defineOperation<
  ProfileDiffData,
  { base: ProfileSelection; comparison: ProfileSelection }
>(
  'ProfileDiff',
  `query ProfileDiff($base: ProfileSelectionInput!, $comparison: ProfileSelectionInput!) {
  profileDiff(base: $base, comparison: $comparison) {
    total baseTotal truncated
    nodes { id parentId name value selfValue other baseValue baseSelfValue delta }
    topFunctions { name selfValue baseSelfValue }
  }
}`,
);

export interface ProfileSourcesData {
  profileSources: { services: string[]; processes: string[] };
}

export const PROFILE_SOURCES_QUERY = defineOperation<ProfileSourcesData, { timeRange: TimeRangeInput }>(
  'ProfileSources',
  `query ProfileSources($timeRange: TimeRangeInput!) {
  profileSources(timeRange: $timeRange) { services processes }
}`,
);
