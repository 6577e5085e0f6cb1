import { describe, expect, it } from 'vitest';
import { attribute, child, childrenNamed, findDescendant, textAt } from './xml-query.js';
import { buildXmlTree, decodeEntities, type XmlElement } from './xml-tree.js';

const root = (input: string, keep?: (name: string, parent: XmlElement) => boolean) =>
  child(buildXmlTree(input, keep ? { keep } : {}), 'r');

/** Runs `parse` on `input` and returns the milliseconds it took. */
function millisecondsFor(parse: () => unknown): number {
  const started = performance.now();
  parse();
  return performance.now() - started;
}

describe('buildXmlTree', () => {
  it('reads nested elements, trimmed leaf texts and attributes', () => {
    const r = root('<?xml version="1.0"?>\n<r>\n  <a id="x&amp;1" other=\'2\'>\n    <b>  one  </b><b>two</b>\n  </a>\n  <c/>\n</r>');
    expect(childrenNamed(child(r, 'a'), 'b').map((b) => b.text)).toEqual(['one', 'two']);
    expect(attribute(child(r, 'a'), 'id')).toBe('x&amp;1');
    expect(attribute(child(r, 'a'), 'other')).toBe('2');
    expect(child(r, 'c')?.children).toEqual([]);
    expect(child(r, 'a')?.text).toBe('');
  });

  it('skips an internal DTD subset, comments, processing instructions and CDATA without interpreting them', () => {
    const input = `<?xml version="1.0" ?>
<!DOCTYPE r [
<!-- a comment with > and ]> inside -->
<!ELEMENT r (a)>
<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ATTLIST a id CDATA #REQUIRED>
]>
<r><!-- <a>not this</a> --><?pi <a>nor this</a> ?><a>&lol2;</a><![CDATA[<a>nor this</a>]]></r>`;
    const r = root(input);
    expect(childrenNamed(r, 'a').map((a) => a.text)).toEqual(['&lol2;']);
  });

  it('decodes only the predefined entities and numeric references', () => {
    expect(decodeEntities('&lt;&gt;&amp;&quot;&apos;&#65;&#x42;')).toBe(`<>&"'AB`);
    expect(decodeEntities('&nbsp; &#0; &#x110000; &#xD800; &#99999999;')).toBe('&nbsp; &#0; &#x110000; &#xD800; &#99999999;');
  });

  it('skips the elements the caller does not keep, with everything inside them', () => {
    const r = root('<r><skip><a>1</a><skip>nested</skip></skip><a>2</a><skipped/><a>3</a></r>', (name) => name === 'r' || name === 'a');
    expect(childrenNamed(r, 'a').map((a) => a.text)).toEqual(['2', '3']);
    expect(findDescendant(r, 'skip')).toBeUndefined();
  });

  it('keeps what precedes a cut and leaves a cut-off leaf empty', () => {
    expect(textAt(root('<r><a>complete</a><b>half-wri'), 'a')).toBe('complete');
    expect(textAt(root('<r><a>complete</a><b>half-wri'), 'b')).toBe('');
    expect(textAt(root('<r><a>complete</a><b attr="cut'), 'a')).toBe('complete');
    expect(child(root('<r><a>complete</a><b attr="cut'), 'b')).toBeUndefined();
  });

  it('ignores stray closing tags and closes what a closing tag of an outer element leaves open', () => {
    const r = root('<r></x><a><b>1</a><c>2</c></y></r><d>3</d>');
    expect(textAt(r, 'a', 'b')).toBe('');
    expect(textAt(r, 'c')).toBe('2');
    expect(child(r, 'd')).toBeUndefined();
  });

  it('reads on after a broken tag or a stray "<"', () => {
    const r = root('<r>a < b <a>1</a> <b x="1" <c>2</c> </r');
    expect(textAt(r, 'a')).toBe('1');
    expect(textAt(r, 'c')).toBe('2');
  });

  it('skips elements nested deeper than maxDepth instead of recursing', () => {
    const depth = 100_000;
    const input = `<r>${'<a>'.repeat(depth)}deep${'</a>'.repeat(depth)}<z>after</z></r>`;
    const r = child(buildXmlTree(input, { maxDepth: 8 }), 'r');
    expect(textAt(r, 'z')).toBe('after');
    expect(findDescendant(r, 'a')).toBeDefined();
  });
});

describe('buildXmlTree: linear time on hostile input', () => {
  const size = 1_000_000;
  it.each([
    ['unclosed start tags', '<a'.repeat(size / 2)],
    ['an unterminated quote in a tag', `<r x="${'<b>'.repeat(size / 3)}`],
    ['an unterminated DOCTYPE subset', `<!DOCTYPE r [${'<!ELEMENT a (b)>'.repeat(size / 16)}`],
    ['unterminated comments', '<!--'.repeat(size / 4)],
    ['closing tags only', '</a>'.repeat(size / 4)],
    ['skipped elements never closed', `<r>${'<s>'.repeat(size / 3)}`],
    ['many ampersands', `<r><a>${'&amp;&#65;&x'.repeat(size / 12)}</a></r>`],
    ['long attribute runs', `<r ${'a="1" '.repeat(size / 6)}>`],
  ])('%s (1 MB) in well under a second', (_label, input) => {
    const keepAllButS = (name: string): boolean => name !== 's';
    expect(millisecondsFor(() => buildXmlTree(input, { keep: keepAllButS }))).toBeLessThan(500);
  });
});
