import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './load-config.js';

describe('request settings', () => {
  it('default to requests on, 1–90 day links and answers, 5 views, 64 Ki characters, and take their bounds in minutes', () => {
    const result = loadConfig({}, '/tmp');
    assert.ok(result.ok);
    const { requests } = result.config;
    assert.equal(requests.enabled, true);
    assert.deepEqual(requests.openMinutes, { default: 7 * 1440, min: 5, max: 90 * 1440 });
    assert.deepEqual(requests.answerLifetimeMinutes, { default: 7 * 1440, min: 5, max: 90 * 1440 });
    assert.deepEqual(requests.answerViews, { default: 5, min: 1, max: 100 });
    assert.equal(requests.answerMaxCharacters, 65_536);
    assert.equal(requests.passphraseMaxFailures, result.config.pushes.passphraseMaxFailures);
  });

  it('refuse a default above its maximum, naming both settings', () => {
    const result = loadConfig({ PASSDROP_REQUEST_ANSWER_VIEWS_DEFAULT: '20', PASSDROP_REQUEST_ANSWER_VIEWS_MAX: '10', PASSDROP_REQUEST_OPEN_DAYS_DEFAULT: '91' }, '/tmp');
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.problems.some((problem) => problem.includes('PASSDROP_REQUEST_ANSWER_VIEWS_DEFAULT (20)') && problem.includes('PASSDROP_REQUEST_ANSWER_VIEWS_MAX (10)')));
    assert.ok(!result.ok && result.problems.some((problem) => problem.includes('PASSDROP_REQUEST_OPEN_DAYS_DEFAULT (91)')));
  });
});
