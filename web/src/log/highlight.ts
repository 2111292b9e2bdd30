import type { Segment } from './ansi.js';

export interface MarkedSegment extends Segment {
  mark: boolean;
}

/** Every [start, end) range of `needle` in `haystack`, case-insensitively (both already lower-cased). */
export function findRanges(haystackLower: string, needleLower: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  if (!needleLower) return ranges;
  for (let at = haystackLower.indexOf(needleLower); at !== -1; at = haystackLower.indexOf(needleLower, at + needleLower.length)) {
    ranges.push([at, at + needleLower.length]);
  }
  return ranges;
}

/** Splits styled segments at the range boundaries so matches can be wrapped in <mark>. */
export function markSegments(segments: Segment[], ranges: Array<[number, number]>): MarkedSegment[] {
  if (ranges.length === 0) return segments.map((s) => ({ ...s, mark: false }));
  const out: MarkedSegment[] = [];
  let offset = 0;
  let r = 0;
  for (const segment of segments) {
    const end = offset + segment.text.length;
    let pos = offset;
    while (pos < end) {
      while (r < ranges.length && ranges[r]![1] <= pos) r++;
      const range = ranges[r];
      if (!range || range[0] >= end) {
        out.push({ text: segment.text.slice(pos - offset), style: segment.style, mark: false });
        pos = end;
      } else if (range[0] > pos) {
        out.push({ text: segment.text.slice(pos - offset, range[0] - offset), style: segment.style, mark: false });
        pos = range[0];
      } else {
        const stop = Math.min(range[1], end);
        out.push({ text: segment.text.slice(pos - offset, stop - offset), style: segment.style, mark: true });
        pos = stop;
      }
    }
    offset = end;
  }
  return out;
}
