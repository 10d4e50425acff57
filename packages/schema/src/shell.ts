/**
 * Values for a POSIX shell (sh, bash, dash, zsh: what an SSH server runs a command with).
 * A value is inserted as data, never as shell syntax: where its placeholder stands as a
 * word of its own it becomes one single-quoted word; inside double or single quotes of
 * the body it is escaped for them. Where the shell would read it again (inside
 * backquotes or `$(( ))`, in a here-document, right after `\` or `$`) no quoting is
 * safe, so only plain words may go there.
 */

/** Where a placeholder stands in a body, as a POSIX shell reads it. */
export type ShellContext = 'word' | 'double' | 'single' | 'comment' | 'unsafe';

/** Characters that mean nothing to a shell in any context: such a value goes in as it is. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

const PLACEHOLDER_AT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/y;

interface Frame {
  kind: 'normal' | 'sub' | 'single' | 'double' | 'backtick' | 'arith' | 'comment';
  /** Open parentheses inside this frame (subshells, or an arithmetic expression's). */
  depth: number;
}

export interface PlaceholderAt {
  start: number;
  end: number;
  name: string;
  context: ShellContext;
}

const WORD_BREAK = ' \t\n;&|()<>';

/** Each placeholder of `body` with where it stands, in order. */
export function shellPlaceholders(body: string): PlaceholderAt[] {
  const found: PlaceholderAt[] = [];
  const stack: Frame[] = [{ kind: 'normal', depth: 0 }];
  let hereDocument = false;
  let escaped = false;
  let i = 0;
  while (i < body.length) {
    const frame = stack[stack.length - 1] as Frame;
    PLACEHOLDER_AT.lastIndex = i;
    const placeholder = PLACEHOLDER_AT.exec(body);
    if (placeholder) {
      const end = i + placeholder[0].length;
      let context: ShellContext;
      switch (frame.kind) {
        case 'normal':
        case 'sub':
          context = hereDocument ? 'unsafe' : 'word';
          break;
        case 'double':
          context = 'double';
          break;
        case 'single':
          context = 'single';
          break;
        case 'comment':
          context = 'comment';
          break;
        case 'backtick':
        case 'arith':
          context = 'unsafe';
          break;
      }
      const before = body[i - 1];
      if (escaped || (before === '$' && frame.kind !== 'single' && frame.kind !== 'comment')) {
        context = 'unsafe';
      }
      found.push({ start: i, end, name: placeholder[1] as string, context });
      escaped = false;
      i = end;
      continue;
    }
    const c = body[i] as string;
    if (escaped) {
      escaped = false;
      i++;
      continue;
    }
    switch (frame.kind) {
      case 'single':
        if (c === "'") stack.pop();
        break;
      case 'comment':
        if (c === '\n') stack.pop();
        break;
      case 'backtick':
        if (c === '\\') escaped = true;
        else if (c === '`') stack.pop();
        break;
      case 'double':
        if (c === '\\') escaped = true;
        else if (c === '"') stack.pop();
        else if (c === '`') stack.push({ kind: 'backtick', depth: 0 });
        else if (body.startsWith('$((', i)) {
          stack.push({ kind: 'arith', depth: 0 });
          i += 3;
          continue;
        } else if (body.startsWith('$(', i)) {
          stack.push({ kind: 'sub', depth: 0 });
          i += 2;
          continue;
        }
        break;
      case 'arith':
        if (c === '(') frame.depth++;
        else if (c === ')') {
          if (frame.depth > 0) frame.depth--;
          else {
            stack.pop();
            i += body[i + 1] === ')' ? 2 : 1;
            continue;
          }
        }
        break;
      case 'normal':
      case 'sub': {
        const previous = i === 0 ? ' ' : (body[i - 1] as string);
        if (c === '\\') escaped = true;
        else if (c === "'") stack.push({ kind: 'single', depth: 0 });
        else if (c === '"') stack.push({ kind: 'double', depth: 0 });
        else if (c === '`') stack.push({ kind: 'backtick', depth: 0 });
        else if (c === '#' && WORD_BREAK.includes(previous)) {
          stack.push({ kind: 'comment', depth: 0 });
        } else if (body.startsWith('$((', i)) {
          stack.push({ kind: 'arith', depth: 0 });
          i += 3;
          continue;
        } else if (body.startsWith('$(', i)) {
          stack.push({ kind: 'sub', depth: 0 });
          i += 2;
          continue;
        } else if (body.startsWith('<<', i) && body[i + 2] !== '<') {
          // A here-document: its lines are expanded again; <<< (a here-string) is a word.
          hereDocument = true;
          i += 2;
          continue;
        } else if (body.startsWith('<<<', i)) {
          i += 3;
          continue;
        } else if (c === '(') frame.depth++;
        else if (c === ')') {
          if (frame.depth > 0) frame.depth--;
          else if (frame.kind === 'sub') stack.pop();
        }
        break;
      }
    }
    i++;
  }
  return found;
}

/** `value` written for `context`, or undefined where it cannot be written safely. */
export function quoteForShell(value: string, context: ShellContext): string | undefined {
  if (value === '' || PLAIN.test(value)) return value;
  switch (context) {
    case 'word':
    case 'comment':
      return `'${value.replaceAll("'", "'\\''")}'`;
    case 'single':
      return value.replaceAll("'", "'\\''");
    case 'double':
      return value.replace(/[\\"$`]/g, '\\$&');
    case 'unsafe':
      return undefined;
  }
}
