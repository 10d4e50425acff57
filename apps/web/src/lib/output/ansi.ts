import Anser from 'anser';

/** A piece of a line in one style: classes for the 16 colours, rgb() for the rest. */
export interface Segment {
  text: string;
  classes: string;
  color: string | undefined;
  background: string | undefined;
}

const NAMED = /^ansi-(bright-)?(black|red|green|yellow|blue|magenta|cyan|white)$/;
const BASIC = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

/** xterm's 256 colours: 16 named, a 6×6×6 cube, 24 greys. */
function paletteColour(n: number): { cls?: string; rgb?: string } {
  if (n < 16) return { cls: `ansi-${n >= 8 ? 'bright-' : ''}${BASIC[n % 8] ?? 'white'}` };
  if (n < 232) {
    const v = n - 16;
    const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
    return {
      rgb: `rgb(${level(Math.floor(v / 36))}, ${level(Math.floor(v / 6) % 6)}, ${level(v % 6)})`,
    };
  }
  const g = 8 + (n - 232) * 10;
  return { rgb: `rgb(${g}, ${g}, ${g})` };
}

function colourOf(
  name: string | null,
  truecolor: string | null,
  side: 'fg' | 'bg',
): { cls: string; rgb: string | undefined } {
  if (!name) return { cls: '', rgb: undefined };
  if (NAMED.test(name)) return { cls: `${name}-${side}`, rgb: undefined };
  if (name === 'ansi-truecolor' && truecolor) return { cls: '', rgb: `rgb(${truecolor})` };
  const palette = /^ansi-palette-(\d+)$/.exec(name);
  if (palette) {
    const p = paletteColour(Number(palette[1]));
    return { cls: p.cls ? `${p.cls}-${side}` : '', rgb: p.rgb };
  }
  return { cls: '', rgb: undefined };
}

/** What a terminal would leave of a line: after a carriage return, the text written over it. */
function overwritten(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const cr = trimmed.lastIndexOf('\r');
  return cr === -1 ? trimmed : trimmed.slice(cr + 1);
}

/**
 * Lines with ANSI escapes as styled segments. The lines are read in order, so a colour
 * set on one line carries to the next, as in a terminal (within the lines given).
 */
export function toSegments(lines: readonly string[]): Segment[][] {
  // Plain text is the common case: no parsing at all.
  if (!lines.some((l) => l.includes('\u001b'))) {
    return lines.map((l) => [
      { text: overwritten(l), classes: '', color: undefined, background: undefined },
    ]);
  }
  const out: Segment[][] = [[]];
  const entries = Anser.ansiToJson(lines.map(overwritten).join('\n'), {
    use_classes: true,
    remove_empty: true,
  });
  for (const e of entries) {
    const fg = colourOf(e.fg, e.fg_truecolor, 'fg');
    const bg = colourOf(e.bg, e.bg_truecolor, 'bg');
    const classes = [fg.cls, bg.cls, ...e.decorations.map((d) => `ansi-${d}`)]
      .filter(Boolean)
      .join(' ');
    const parts = e.content.split('\n');
    parts.forEach((text, i) => {
      if (i > 0) out.push([]);
      if (text) {
        (out.at(-1) as Segment[]).push({ text, classes, color: fg.rgb, background: bg.rgb });
      }
    });
  }
  while (out.length < lines.length) out.push([]);
  return out;
}
