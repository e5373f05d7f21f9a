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
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}
