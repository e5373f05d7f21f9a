/**
 * Text from CloudKnox, ServiceNow or a user is shown inside mrkdwn. Slack only needs `&`, `<` and
 * `>` escaped; without it an upstream message could smuggle `<!channel>` or a disguised link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code that cannot be broken out of: backticks in the value become a look-alike. */
export function code(text: string): string {
  return '`' + escapeMrkdwn(text).replace(/`/g, 'ˋ') + '`';
}

/** Slack caps a section's text at 3000 characters; long upstream messages are cut, not rejected. */
export function clip(text: string, max = 2900): string {
  // Fix (issue 6, hardening): counts UTF-16 code units, not code points. 2,900 emoji are 5,800
  // units, which Slack (and its emulator) refused as invalid_blocks; a pair is never split.
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  return (/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut) + '…';
}
