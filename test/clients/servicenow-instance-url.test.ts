import { describe, expect, it } from 'vitest';
import { normalizeInstanceUrl } from '../../src/clients/servicenow/instance-url.js';

const ORIGIN = 'https://dev12345.service-now.com';

describe('normalizeInstanceUrl', () => {
  it.each([
    ['https://dev12345.service-now.com', ORIGIN],
    ['https://dev12345.service-now.com/', ORIGIN],
    ['https://dev12345.service-now.com/login.do?user_name=admin&sys_action=sysverb_login', ORIGIN],
    [
      'https://dev12345.service-now.com/nav_to.do?uri=%2Fsys_user_list.do%3Fsysparm_query%3Dactive%3Dtrue',
      ORIGIN,
    ],
    ['https://dev12345.service-now.com/now/nav/ui/classic/params/target/sys_user_list.do', ORIGIN],
    ['https://dev12345.service-now.com/api/now/table/sys_user#top', ORIGIN],
    ['dev12345.service-now.com', ORIGIN],
    ['dev12345.service-now.com/login.do', ORIGIN],
    ['HTTPS://DEV12345.SERVICE-NOW.COM/', ORIGIN],
    ['Dev12345.Service-Now.com', ORIGIN],
    ['   https://dev12345.service-now.com/  \n', ORIGIN],
    ['https://dev12345.service-now.com:443/', ORIGIN],
    // A real instance only serves https and we never follow the redirect from http.
    ['http://dev12345.service-now.com/login.do', ORIGIN],
    ['https://acme.servicenowservices.com:8443/nav_to.do', 'https://acme.servicenowservices.com:8443'],
    // The local simulator.
    ['http://127.0.0.1:43117', 'http://127.0.0.1:43117'],
    ['http://127.0.0.1:43117/api/now/table/sys_user', 'http://127.0.0.1:43117'],
    ['http://localhost:8080/', 'http://localhost:8080'],
    ['127.0.0.1:9000', 'https://127.0.0.1:9000'],
  ])('%j -> %s', (input, expected) => {
    expect(normalizeInstanceUrl(input)).toBe(expected);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['not a url at all', /not a URL/],
    ['https://', /not a URL/],
    ['dev12345', /full host name/],
    ['ftp://dev12345.service-now.com', /https/],
    ['javascript:alert(1)', /not a URL/],
    ['https://admin:S3cret!@dev12345.service-now.com/', /username or password/],
  ])('rejects %j', (input, message) => {
    expect(() => normalizeInstanceUrl(input)).toThrow(message);
  });

  it('does not echo what was pasted when rejecting it', () => {
    for (const pasted of ['hunter2 hunter2', 'https://admin:S3cret!@dev12345.service-now.com/']) {
      const message = errorMessage(() => normalizeInstanceUrl(pasted));
      expect(message).toMatch(/ServiceNow instance URL/);
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('S3cret');
    }
  });
});

function errorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a throw');
}
