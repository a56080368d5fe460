// Agent group names as the API checks them. Pure functions, so they are tested without a browser.

const GROUP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const MAX_GROUP_NAME_LENGTH = 80;

/** Why a group name would be refused, or null when it is fine. */
export function groupNameError(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Give the group a name, e.g. web or eu-west.';
  if (trimmed.length > MAX_GROUP_NAME_LENGTH) return `Use at most ${MAX_GROUP_NAME_LENGTH} characters.`;
  if (!GROUP_NAME_PATTERN.test(trimmed)) {
    return 'Start with a letter or digit; then letters, digits, dots, dashes and underscores.';
  }
  return null;
}
