// Events repeat the same few addresses and URLs, and parsing or hashing them again is most of
// what email(), urlmain() and hash() cost. These caches keep each answer for a while.

/**
 * `compute` with a bounded cache of its answers; `compute` must be pure. The cache is emptied
 * when it holds `limit` answers, so memory stays bounded whatever the input.
 */
export function memoized<T>(compute: (text: string) => T, limit = 4096): (text: string) => T {
  // Boxed so that an undefined answer is cached too.
  const answers = new Map<string, { readonly value: T }>();
  // One user's events usually come together and repeat the same text: check the last one first.
  let lastText: string | undefined;
  let last: { readonly value: T } | undefined;
  return (text) => {
    if (text === lastText && last !== undefined) return last.value;
    let known = answers.get(text);
    if (known === undefined) {
      known = { value: compute(text) };
      if (answers.size >= limit) answers.clear();
      answers.set(text, known);
    }
    lastText = text;
    last = known;
    return known.value;
  };
}
