/**
 * Read-only lookups on an {@link XmlElement} tree. All of them are iterative, so a deep or
 * hostile tree cannot overflow the call stack.
 */
import type { XmlElement } from './xml-tree.js';

/** The first direct child called `name`. */
export function child(parent: XmlElement | undefined, name: string): XmlElement | undefined {
  return parent?.children.find((candidate) => candidate.name === name);
}

/** Every direct child called `name`, in document order. */
export function childrenNamed(parent: XmlElement | undefined, name: string): XmlElement[] {
  return parent ? parent.children.filter((candidate) => candidate.name === name) : [];
}

/** The element at `path` of direct children below `parent` (first match at each step). */
export function at(parent: XmlElement | undefined, ...path: readonly string[]): XmlElement | undefined {
  let current = parent;
  for (const name of path) current = child(current, name);
  return current;
}

/** Text of the leaf at `path`, or `undefined` when the element is absent. */
export function textAt(parent: XmlElement | undefined, ...path: readonly string[]): string | undefined {
  return at(parent, ...path)?.text;
}

/** The first element called `name` below `root`, searched breadth-first without recursion. */
export function findDescendant(root: XmlElement | undefined, name: string): XmlElement | undefined {
  if (!root) return undefined;
  const queue: XmlElement[] = [...root.children];
  for (let index = 0; index < queue.length; index++) {
    const candidate = queue[index] as XmlElement;
    if (candidate.name === name) return candidate;
    queue.push(...candidate.children);
  }
  return undefined;
}

const ATTRIBUTE = /([A-Za-z_:][-\w.:]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Value of the attribute `name` on the start tag of `element`. */
export function attribute(element: XmlElement | undefined, name: string): string | undefined {
  if (!element?.attributeSource) return undefined;
  for (const match of element.attributeSource.matchAll(ATTRIBUTE)) {
    if (match[1] === name) return match[2] ?? match[3];
  }
  return undefined;
}
