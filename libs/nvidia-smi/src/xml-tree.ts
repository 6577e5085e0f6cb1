/**
 * A small, purpose-built XML reader for `nvidia-smi -q -x`.
 *
 * It is not a general XML parser, on purpose:
 * - no entity expansion beyond the five predefined entities and numeric references, and
 *   no DTD processing (an internal DTD subset is skipped, never interpreted), so there is
 *   nothing to blow up;
 * - one forward pass with an explicit stack (no recursion), each character visited a
 *   bounded number of times, so it is linear in the input;
 * - elements the caller does not `keep` (and anything nested deeper than `maxDepth`) are
 *   jumped over with a search for their closing tag instead of being tokenised; most of
 *   an nvidia-smi document (`supported_clocks`, ECC counters, PCI details) is never read;
 * - truncation and malformed markup never throw: unclosed elements simply end where the
 *   input ends, a stray closing tag is ignored, and a leaf cut off before its closing tag
 *   keeps an empty text (a half-written value is not a value).
 */

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  /** Entity-decoded, trimmed text of a leaf element; `''` for containers and cut-off leaves. */
  text: string;
  /** Raw attribute source of the start tag (at most {@link MAX_ATTRIBUTE_SOURCE} characters). */
  readonly attributeSource: string;
}

export interface XmlTreeOptions {
  /** Whether to read an element found inside `parent`; a rejected element is skipped with its whole subtree. */
  readonly keep?: (name: string, parent: XmlElement) => boolean;
  /** Elements nested deeper than this are skipped like rejected ones. */
  readonly maxDepth?: number;
}

const MAX_ATTRIBUTE_SOURCE = 256;
const DEFAULT_MAX_DEPTH = 32;
const KEEP_ALL = (): boolean => true;

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f; // /
const BANG = 0x21; // !
const QUESTION = 0x3f; // ?
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]

/**
 * Reads `input` into a tree of elements under a synthetic `#document` element.
 * Never throws; any input gives a (possibly empty) tree.
 */
export function buildXmlTree(input: string, options: XmlTreeOptions = {}): XmlElement {
  const keep = options.keep ?? KEEP_ALL;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const documentElement: XmlElement = { name: '#document', children: [], text: '', attributeSource: '' };
  const open = new OpenElements(documentElement);
  const end = input.length;
  let pos = 0;

  while (pos < end) {
    const lt = input.indexOf('<', pos);
    if (lt < 0) break;
    const next = input.charCodeAt(lt + 1);

    if (next === BANG || next === QUESTION) {
      open.markTopSawMarkup();
      pos = skipMarkupDeclaration(input, lt);
      continue;
    }
    if (next === SLASH) {
      const nameEnd = scanName(input, lt + 2);
      const gt = skipWhitespace(input, nameEnd);
      if (input.charCodeAt(gt) !== GT) {
        pos = lt + 2; // a broken closing tag is ignored
        continue;
      }
      open.close(input, lt + 2, nameEnd, lt);
      pos = gt + 1;
      continue;
    }

    const nameEnd = scanName(input, lt + 1);
    if (nameEnd === lt + 1) {
      pos = lt + 1; // a stray '<' in text
      continue;
    }
    const gt = findTagEnd(input, nameEnd);
    if (gt === CUT_OFF) break;
    if (gt === BROKEN) {
      pos = lt + 1; // not a tag after all: read on from the next '<'
      continue;
    }
    const name = input.slice(lt + 1, nameEnd);
    const selfClosing = input.charCodeAt(gt - 1) === SLASH;

    if (open.depth > maxDepth || !keep(name, open.top)) {
      open.markTopSawMarkup();
      pos = selfClosing ? gt + 1 : skipToClosingTag(input, name, gt + 1);
      continue;
    }

    const attributeEnd = Math.min(selfClosing ? gt - 1 : gt, nameEnd + MAX_ATTRIBUTE_SOURCE);
    const element: XmlElement = {
      name,
      children: [],
      text: '',
      attributeSource: attributeEnd > nameEnd ? input.slice(nameEnd, attributeEnd) : '',
    };
    open.top.children.push(element);
    if (!selfClosing) open.push(element, gt + 1);
    pos = gt + 1;
  }
  return documentElement;
}

/** The elements whose closing tag has not been seen yet, innermost last (parallel arrays: no object per element). */
class OpenElements {
  private readonly elements: XmlElement[] = [];
  /** Index just after each start tag's `>`. */
  private readonly contentStarts: number[] = [];
  /** True once a comment, CDATA section or skipped element was seen inside. */
  private readonly sawMarkup: boolean[] = [];

  constructor(documentElement: XmlElement) {
    this.push(documentElement, 0);
  }

  get depth(): number {
    return this.elements.length;
  }

  get top(): XmlElement {
    return this.elements[this.elements.length - 1] as XmlElement;
  }

  push(element: XmlElement, contentStart: number): void {
    this.elements.push(element);
    this.contentStarts.push(contentStart);
    this.sawMarkup.push(false);
  }

  markTopSawMarkup(): void {
    this.sawMarkup[this.sawMarkup.length - 1] = true;
  }

  /**
   * Handles a closing tag whose name is `input[nameStart, nameEnd)`: closes the innermost
   * open element of that name and everything still open inside it (compared in place, no
   * substring). A closing tag that matches nothing is ignored; `#document` never closes.
   */
  close(input: string, nameStart: number, nameEnd: number, closeTagStart: number): void {
    const length = nameEnd - nameStart;
    for (let depth = this.elements.length - 1; depth >= 1; depth--) {
      const element = this.elements[depth] as XmlElement;
      if (element.name.length !== length || !input.startsWith(element.name, nameStart)) continue;
      if (element.children.length === 0 && this.sawMarkup[depth] === false) {
        element.text = leafText(input, this.contentStarts[depth] as number, closeTagStart);
      }
      while (this.elements.length > depth) {
        this.elements.pop();
        this.contentStarts.pop();
        this.sawMarkup.pop();
      }
      return;
    }
  }
}

/** The trimmed, entity-decoded text of `input[start, end)`. */
function leafText(input: string, start: number, end: number): string {
  let from = start;
  let to = end;
  while (from < to && input.charCodeAt(from) <= 0x20) from++;
  while (to > from && input.charCodeAt(to - 1) <= 0x20) to--;
  return from === to ? '' : decodeEntities(input.slice(from, to));
}

function isNameChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x5f || // _
    code === 0x2d || // -
    code === 0x2e || // .
    code === 0x3a // :
  );
}

/** Index of the first character after an element name starting at `start`. */
function scanName(input: string, start: number): number {
  let index = start;
  while (index < input.length && isNameChar(input.charCodeAt(index))) index++;
  return index;
}

const CUT_OFF = -1;
const BROKEN = -2;

/**
 * Index of the `>` ending a start tag, skipping quoted attribute values; {@link CUT_OFF}
 * when the input ends first, {@link BROKEN} when another `<` comes first (XML allows no
 * `<` inside a tag, quoted or not).
 */
function findTagEnd(input: string, start: number): number {
  let quote = 0;
  for (let index = start; index < input.length; index++) {
    const code = input.charCodeAt(index);
    if (code === LT) return BROKEN;
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) {
      quote = code;
    } else if (code === GT) {
      return index;
    }
  }
  return CUT_OFF;
}

function skipWhitespace(input: string, start: number): number {
  let index = start;
  while (index < input.length && input.charCodeAt(index) <= 0x20) index++;
  return index;
}

/** Position just after the closing tag of `name`, or the end of the input when there is none. */
function skipToClosingTag(input: string, name: string, from: number): number {
  const needle = `</${name}`;
  let searchFrom = from;
  for (;;) {
    const found = input.indexOf(needle, searchFrom);
    if (found < 0) return input.length;
    const after = input.charCodeAt(found + needle.length);
    if (after === GT || after === 0x20 || after === 0x09 || after === 0x0a || after === 0x0d) {
      const gt = input.indexOf('>', found + needle.length);
      return gt < 0 ? input.length : gt + 1;
    }
    searchFrom = found + needle.length;
  }
}

/** Skips `<!-- -->`, `<![CDATA[ ]]>`, `<? ?>` and `<!DOCTYPE … [ … ]>` (internal subset included). */
function skipMarkupDeclaration(input: string, lt: number): number {
  if (input.startsWith('<!--', lt)) return afterTerminator(input, '-->', lt + 4);
  if (input.startsWith('<![CDATA[', lt)) return afterTerminator(input, ']]>', lt + 9);
  if (input.charCodeAt(lt + 1) === QUESTION) return afterTerminator(input, '?>', lt + 2);
  return skipDeclaration(input, lt + 2);
}

function afterTerminator(input: string, terminator: string, from: number): number {
  const found = input.indexOf(terminator, from);
  return found < 0 ? input.length : found + terminator.length;
}

/** Skips a `<!…>` declaration, honouring quotes, comments and one level of `[ … ]`; a `<` outside the brackets ends a broken one. */
function skipDeclaration(input: string, from: number): number {
  let quote = 0;
  let inSubset = false;
  let index = from;
  while (index < input.length) {
    const code = input.charCodeAt(index);
    if (code === LT && !inSubset && !input.startsWith('<!--', index)) return index; // broken declaration
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) {
      quote = code;
    } else if (code === LT && input.startsWith('<!--', index)) {
      index = afterTerminator(input, '-->', index + 4);
      continue;
    } else if (code === OPEN_BRACKET) {
      inSubset = true;
    } else if (code === CLOSE_BRACKET) {
      inSubset = false;
    } else if (code === GT && !inSubset) {
      return index + 1;
    }
    index++;
  }
  return input.length;
}

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ENTITY_REFERENCE = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/g;

/** Decodes the predefined entities and numeric references; anything else is left as written. */
export function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(ENTITY_REFERENCE, (reference: string, body: string) => {
    if (body.charCodeAt(0) !== 0x23) return PREDEFINED_ENTITIES[body] ?? reference;
    const codePoint = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    const valid = codePoint > 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
    return valid ? String.fromCodePoint(codePoint) : reference;
  });
}
