/**
 * The indentation structure of plain `nvidia-smi -q` output: every `Key : Value` line
 * and every section header becomes a node, nested under the closest less-indented line
 * above it. One pass with an explicit stack; lines are split by hand (no backtracking
 * regular expressions), so hostile input stays linear.
 */

export class QTextNode {
  readonly children: QTextNode[] = [];
  private normalized: string | undefined;

  constructor(
    /** Key or section title as printed, trimmed. */
    readonly key: string,
    /** Value after ` : `; `null` for a section header. */
    readonly value: string | null,
    readonly indent: number,
  ) {}

  /** Lower-case key with single spaces, for lookups (computed on first use: most keys are never looked up). */
  get normalizedKey(): string {
    this.normalized ??= normalizeKey(this.key);
    return this.normalized;
  }
}

const TAB_WIDTH = 4;

/** Reads `input` into a tree under a synthetic root. Never throws. */
export function buildQTextTree(input: string): QTextNode {
  const root = new QTextNode('', null, -1);
  const stack: QTextNode[] = [root];
  for (const rawLine of input.split('\n')) {
    const node = readLine(rawLine);
    if (!node) continue;
    while ((stack[stack.length - 1] as QTextNode).indent >= node.indent) stack.pop();
    (stack[stack.length - 1] as QTextNode).children.push(node);
    stack.push(node);
  }
  return root;
}

function readLine(rawLine: string): QTextNode | null {
  let indent = 0;
  let start = 0;
  for (; start < rawLine.length; start++) {
    const code = rawLine.charCodeAt(start);
    if (code === 0x20) indent += 1;
    else if (code === 0x09) indent += TAB_WIDTH;
    else break;
  }
  const content = rawLine.slice(start).trimEnd();
  if (content === '' || content.startsWith('==')) return null; // blank or the `====NVSMI LOG====` banner
  const separator = findSeparator(content);
  const key = (separator < 0 ? content : content.slice(0, separator)).trim();
  const value = separator < 0 ? null : content.slice(separator + 1).trim();
  return new QTextNode(key, value, indent);
}

/** Index of the first `:` preceded by white space (`Key   : value`); `GPU 0000:01:00.0` has none. */
function findSeparator(content: string): number {
  let from = 0;
  for (;;) {
    const colon = content.indexOf(':', from);
    if (colon < 0) return -1;
    const before = content.charCodeAt(colon - 1);
    if (before === 0x20 || before === 0x09) return colon;
    from = colon + 1;
  }
}

/** Lower case, runs of white space as one space (nvidia-smi keys are single-spaced, so the replace rarely runs). */
export function normalizeKey(key: string): string {
  const lower = key.toLowerCase();
  return lower.includes('  ') || lower.includes('\t') ? lower.replace(/\s+/g, ' ') : lower;
}

/** Normalised forms of the (constant) keys the parsers look up. */
const lookupKeys = new Map<string, string>();

function lookupKey(key: string): string {
  let normalized = lookupKeys.get(key);
  if (normalized === undefined) {
    normalized = normalizeKey(key.trim());
    if (lookupKeys.size < 1024) lookupKeys.set(key, normalized);
  }
  return normalized;
}

/** The first direct child whose key is `key` (case and spacing ignored). */
export function childNode(parent: QTextNode | undefined, key: string): QTextNode | undefined {
  if (!parent) return undefined;
  const wanted = lookupKey(key);
  return parent.children.find((candidate) => candidate.normalizedKey === wanted);
}

/** Every direct child whose key is `key`. */
export function childNodes(parent: QTextNode | undefined, key: string): QTextNode[] {
  if (!parent) return [];
  const wanted = lookupKey(key);
  return parent.children.filter((candidate) => candidate.normalizedKey === wanted);
}

/** The node at `path` of direct children below `parent`. */
export function nodeAt(parent: QTextNode | undefined, ...path: readonly string[]): QTextNode | undefined {
  let current = parent;
  for (const key of path) current = childNode(current, key);
  return current;
}

/** The value at `path`, `undefined` when absent or a section header. */
export function valueAt(parent: QTextNode | undefined, ...path: readonly string[]): string | undefined {
  return nodeAt(parent, ...path)?.value ?? undefined;
}

/** The first node below `root` whose key is `key`, breadth-first without recursion. */
export function findNode(root: QTextNode | undefined, key: string): QTextNode | undefined {
  if (!root) return undefined;
  const wanted = lookupKey(key);
  const queue: QTextNode[] = [...root.children];
  for (let index = 0; index < queue.length; index++) {
    const candidate = queue[index] as QTextNode;
    if (candidate.normalizedKey === wanted) return candidate;
    queue.push(...candidate.children);
  }
  return undefined;
}
