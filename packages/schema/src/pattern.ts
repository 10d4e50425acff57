import { RE2JS } from 're2js';

/**
 * Template variables' patterns run on RE2 (re2js, pure JavaScript): matching takes time
 * linear in the value, whatever the pattern, so a value cannot stall the process as
 * `(a+)+` does on a backtracking engine. Linear is not cheap on its own: the time is the
 * value's length times the compiled program's size, and `.{0,1000}` repeated 50 times
 * compiles to 100,000 instructions (a second to compile, six to match 1 KiB). Hence a
 * bound on each pattern's program, and on a template's patterns together.
 */

/** The largest program one pattern may compile to (RE2's "program size"). */
export const MAX_PATTERN_COST = 1000;
/** The largest program all the patterns of one template may compile to together. */
export const MAX_TEMPLATE_PATTERN_COST = 4000;

export type CompiledPattern =
  { ok: true; regex: RE2JS; cost: number } | { ok: false; message: string };

export const PATTERN_TOO_COMPLEX =
  'pattern is too complex (it would take too long to match); simplify it';

/**
 * An upper estimate of the program size of `pattern`, read without compiling it: RE2
 * writes `x{n,m}` out as m copies of x, and that is where programs grow.
 */
export function estimatePatternCost(pattern: string): number {
  let i = 0;
  const n = pattern.length;

  function atom(): number {
    const c = pattern[i];
    if (c === '(') {
      i++;
      // (?:, (?i), (?i:, (?P<name>, (?<name>: skip to the group's body.
      if (pattern[i] === '?') {
        while (i < n && pattern[i] !== ':' && pattern[i] !== ')' && pattern[i] !== '>') i++;
        if (pattern[i] === ')') {
          i++;
          return 0;
        }
        i++;
      }
      const inner = alternation();
      if (pattern[i] === ')') i++;
      return inner + 2;
    }
    if (c === '[') {
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < n && pattern[i] !== ']') {
        if (pattern[i] === '\\') i++;
        else if (pattern.startsWith('[:', i)) {
          const end = pattern.indexOf(':]', i + 2);
          if (end !== -1) i = end + 1;
        }
        i++;
      }
      i++;
      return 1;
    }
    if (c === '\\') {
      const e = pattern[i + 1];
      i += 2;
      if ((e === 'p' || e === 'P' || e === 'x') && pattern[i] === '{') {
        const end = pattern.indexOf('}', i);
        i = end === -1 ? n : end + 1;
      } else if (e === 'Q') {
        const end = pattern.indexOf('\\E', i);
        const literal = (end === -1 ? n : end) - i;
        i = end === -1 ? n : end + 2;
        return literal;
      }
      return 1;
    }
    i++;
    return 1;
  }

  function alternation(): number {
    let total = 0;
    let sequence = 0;
    while (i < n && pattern[i] !== ')') {
      if (pattern[i] === '|') {
        total += sequence + 1;
        sequence = 0;
        i++;
        continue;
      }
      let cost = atom();
      for (;;) {
        const q = pattern[i];
        if (q === '*' || q === '+' || q === '?') {
          cost += 1;
          i++;
          if (pattern[i] === '?') i++;
          continue;
        }
        const repeat = q === '{' ? /^\{(\d{1,6})(?:,(\d{0,6}))?\}/.exec(pattern.slice(i)) : null;
        if (repeat) {
          const count = Math.max(Number(repeat[1]), Number(repeat[2] || 0), 1);
          cost = cost * count + count;
          i += repeat[0].length;
          if (pattern[i] === '?') i++;
          continue;
        }
        break;
      }
      sequence += cost;
    }
    return total + sequence;
  }

  let cost = 0;
  while (i < n) {
    cost += alternation();
    if (i < n) i++; // an unbalanced ')': RE2 refuses it, the estimate goes on
  }
  return cost;
}

const cache = new Map<string, CompiledPattern>();
const CACHE_SIZE = 500;

function compileUncached(pattern: string): CompiledPattern {
  // Compiling takes time in the size of the program: refuse a huge one before.
  if (estimatePatternCost(pattern) > 2 * MAX_PATTERN_COST) {
    return { ok: false, message: PATTERN_TOO_COMPLEX };
  }
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).replace(
      /^error parsing regexp: /,
      '',
    );
    let javascript = true;
    try {
      // Compiling (never running) it on the backtracking engine only tells which case this is.
      new RegExp(pattern);
    } catch {
      javascript = false;
    }
    return {
      ok: false,
      message: javascript
        ? `pattern uses syntax that NetAuto's linear-time matcher does not support (${reason}): back-references and look-arounds are not available`
        : `pattern must be a valid regular expression (${reason})`,
    };
  }
  const cost = regex.programSize();
  if (cost > MAX_PATTERN_COST) return { ok: false, message: PATTERN_TOO_COMPLEX };
  return { ok: true, regex, cost };
}

/** The pattern compiled for RE2, or why it cannot be used; kept for the next call. */
export function compilePattern(pattern: string): CompiledPattern {
  const known = cache.get(pattern);
  if (known) return known;
  const compiled = compileUncached(pattern);
  if (cache.size >= CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(pattern, compiled);
  return compiled;
}

/** Whether the whole of `text` matches (as `^(?:pattern)$` would). */
export function matchesWhole(regex: RE2JS, text: string): boolean {
  return regex.matches(text);
}
