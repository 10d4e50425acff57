/**
 * What receives a device's output: returning a promise asks the device to wait until
 * it settles; anything else (nothing, or `list.push`'s count) is no request.
 */
export type OutputSink = (text: string) => unknown;

/** A stream that can stop reading for a while (an SSH channel, a socket). */
export interface Pausable {
  pause(): unknown;
  resume(): unknown;
}

/**
 * Passes output to `sink` and stops reading `stream` while the sink asks to wait, so
 * that a device faster than the place its output goes is slowed by TCP and SSH flow
 * control instead of filling memory.
 */
export function pacedSink(stream: Pausable, sink: OutputSink): (text: string) => void {
  let waiting = 0;
  const resume = () => {
    waiting -= 1;
    if (waiting === 0) stream.resume();
  };
  return (text) => {
    const wait = sink(text);
    if (!(wait instanceof Promise)) return;
    waiting += 1;
    if (waiting === 1) stream.pause();
    wait.then(resume, resume);
  };
}
