import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loggableUrl } from './log-url.ts';

describe('loggableUrl', () => {
  it('keeps ordinary paths and queries', () => {
    assert.equal(loggableUrl('/scim/v2/Users?filter=userName%20eq%20%22bob%22&count=5', 500), '/scim/v2/Users?filter=userName%20eq%20%22bob%22&count=5');
  });

  it('replaces query parameters that name or carry a secret, decoded or not', () => {
    assert.equal(loggableUrl('/scim/v2/Users?access_token=abc&count=1', 500), '/scim/v2/Users?access_token=[redacted]&count=1');
    assert.equal(loggableUrl('/scim/v2/Users?filter=password%20eq%20%22s3cret%22', 500), '/scim/v2/Users?filter=[redacted]');
    assert.equal(loggableUrl('/scim/v2/Users?filter=PASSWORD+eq+"s3cret"', 500), '/scim/v2/Users?filter=[redacted]');
    assert.equal(loggableUrl('/scim/v2/Users?%70assword=x', 500), '/scim/v2/Users?%70assword=[redacted]');
  });

  it('cuts link tokens out of mailed-link paths and bounds the length', () => {
    assert.equal(loggableUrl('/invitations/tok123?x=1', 500), '/invitations/[redacted]');
    for (const url of ['//invitations/tok123', '/Invitations/tok123', '/%69nvitations/tok123', '/invitations%2Ftok123', '/invitations//tok123/accept', '/email-validations/tok123?next=tok123']) {
      assert.ok(!loggableUrl(url, 500).includes('tok123'), url);
    }
    for (const url of ['/setup/tok123', '/setup/tok123/requests?after=4', '/SETUP/tok123/link', '/setup%2Ftok123/client']) assert.ok(!loggableUrl(url, 500).includes('tok123'), url);
    assert.ok(!loggableUrl('/scim/v2/Users?filter=password%20eq%20%22se%ZZcret%22', 500).includes('cret'), 'an undecodable value naming a secret goes too');
    assert.equal(loggableUrl(`/scim/v2/Users?x=${'a'.repeat(100)}`, 20).length, 20);
    assert.equal(loggableUrl('/scim/v2/Users?bad=%E0%A4%A', 500), '/scim/v2/Users?bad=%E0%A4%A');
  });
});
