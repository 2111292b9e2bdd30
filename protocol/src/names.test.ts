import { describe, expect, it } from 'vitest';
import { isSafeRepositoryUrl, isValidGitRef } from './names.js';

describe('isValidGitRef', () => {
  it.each(['main', 'release/1.2', 'v1.0.0', 'feat_x'])('accepts %s', (ref) => expect(isValidGitRef(ref)).toBe(true));
  it.each(['', '-x', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', '/a', 'a/', 'a.', 'a.lock', '.a', 'a//b', '@', 'a@{1}', '$(id) '])(
    'refuses %j', (ref) => expect(isValidGitRef(ref)).toBe(false));
});

describe('isSafeRepositoryUrl', () => {
  it.each(['https://github.com/o/r.git', 'ssh://git@host/o/r.git', 'git@github.com:o/r.git', '/srv/git/app', 'file:///srv/git/app'])(
    'accepts %s', (u) => expect(isSafeRepositoryUrl(u)).toBe(true));
  it.each(['ext::sh -c id', 'fd::3', '--upload-pack=x', 'relative/path', 'https://a b', 'git@host:a\nb', 'ssh://-oProxyCommand=touch%20/tmp/pwned/x', 'ssh://git@-oProxyCommand=id/repo', 'git@-oProxyCommand=id:repo'])(
    'refuses %j', (u) => expect(isSafeRepositoryUrl(u)).toBe(false));
});
