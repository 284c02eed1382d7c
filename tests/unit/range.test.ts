import { describe, expect, it } from 'vitest';
import { parseRange, rangeHeaders } from '../../electron/core/media/range';

describe('HTTP Range parsing', () => {
  const size = 1000;
  it.each([
    [undefined, { kind: 'full' }],
    ['', { kind: 'full' }],
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=500-599', { kind: 'partial', start: 500, end: 599 }],
    ['bytes=900-', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-100', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=990-5000', { kind: 'partial', start: 990, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=1000-1100', { kind: 'unsatisfiable' }],
    ['bytes=600-500', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=abc', { kind: 'unsatisfiable' }],
    ['bytes=-', { kind: 'unsatisfiable' }],
    ['items=0-5', { kind: 'full' }],
    ['bytes=0-1,5-6', { kind: 'full' }],
  ])('%s', (header, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it('builds 206, 416 and 200 headers', () => {
    expect(rangeHeaders({ kind: 'partial', start: 10, end: 19 }, size, 'video/mp4')).toEqual({
      status: 206,
      headers: expect.objectContaining({ 'Content-Range': 'bytes 10-19/1000', 'Content-Length': '10', 'Accept-Ranges': 'bytes' }),
    });
    expect(rangeHeaders({ kind: 'unsatisfiable' }, size, 'video/mp4')).toMatchObject({ status: 416, headers: { 'Content-Range': 'bytes */1000' } });
    expect(rangeHeaders({ kind: 'full' }, size, 'video/mp4')).toMatchObject({ status: 200, headers: { 'Content-Length': '1000' } });
  });
});
