// The department server's --partial-max-age (how long an unfinished upload may sit unwritten before it is removed):
// the forms an administrator may type, the refusal of anything else (naming the flag and the forms), and how the
// server words a duration in its log.
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDepartmentArgs, parseDuration, UsageError, USAGE } from '../../electron/host/department/options';

const BASE = ['--db', 'sqlite:/tmp/library.db', '--listen', '127.0.0.1:0'];

describe('--partial-max-age DURATION', () => {
  it('takes a whole number of days, hours, minutes or seconds', () => {
    expect(parseDuration('7d')).toBe(7 * 24 * 3600_000);
    expect(parseDuration('12h')).toBe(12 * 3600_000);
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration('3600s')).toBe(3600_000);
    expect(parseDuration(' 1d ')).toBe(24 * 3600_000);
  });

  it.each(['7', '7 days', '7D', '1.5h', '-1d', '1w', 'd', '', '12hours', '3600ms', '1e3s'])('refuses %j, naming the flag and the accepted forms', (text) => {
    let thrown: unknown;
    try {
      parseDuration(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toMatch(/^--partial-max-age takes a whole number followed by d, h, m or s .*e\.g\. 7d, 12h, 30m or 3600s/);
  });

  it('refuses 0 (every unfinished upload would go) and absurd lengths', () => {
    expect(() => parseDuration('0h')).toThrow(/--partial-max-age must be longer than 0/);
    expect(() => parseDuration('99999999d')).toThrow(/--partial-max-age is at most 36500d/);
  });

  it('is read from the command line with --media, and refused without it', () => {
    expect(parseDepartmentArgs([...BASE, '--media', '/srv/media', '--partial-max-age', '12h'])).toMatchObject({ mediaDir: '/srv/media', partialMaxAgeMs: 12 * 3600_000 });
    expect(parseDepartmentArgs([...BASE, '--media', '/srv/media', '--partial-max-age=30m'])).toMatchObject({ partialMaxAgeMs: 30 * 60_000 });
    expect(parseDepartmentArgs([...BASE, '--media', '/srv/media'])).toMatchObject({ partialMaxAgeMs: null });
    expect(() => parseDepartmentArgs([...BASE, '--media', '/srv/media', '--partial-max-age', '7 days'])).toThrow(/--partial-max-age takes a whole number/);
    expect(() => parseDepartmentArgs([...BASE, '--partial-max-age', '7d'])).toThrow(/--partial-max-age needs --media DIR/);
  });

  it('is in the --help text', () => {
    expect(parseDepartmentArgs(['--help'])).toBe('help');
    expect(USAGE).toMatch(/--partial-max-age DURATION/);
    expect(USAGE).toMatch(/7d, 12h, 30m, 3600s \(default 7d\)/);
  });

  it('is logged in the largest whole unit', () => {
    expect(formatDuration(7 * 24 * 3600_000)).toBe('7 days');
    expect(formatDuration(24 * 3600_000)).toBe('1 day');
    expect(formatDuration(12 * 3600_000)).toBe('12 hours');
    expect(formatDuration(90 * 60_000)).toBe('90 minutes');
    expect(formatDuration(3601_000)).toBe('3601 seconds');
  });
});
