// Shared pieces of the CRI List* filters.

/** A label selector matches when every selector key has exactly that value. */
export function matchesLabels(labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>> | undefined): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}
