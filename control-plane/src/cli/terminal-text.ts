/**
 * Log text as the CLI prints it to a terminal. A deployment's output is the app's, and escape
 * sequences in it would act on the reader's terminal: OSC 52 writes the clipboard, others clear
 * the screen, move the cursor, set the title or hide what came before. Only SGR colour sequences
 * (`ESC [ … m`) are kept, and not even those with `colours: false` (NO_COLOR).
 */
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][\s\S]*?(?:\x07|\x1b\\|$)|\x1b[ -/]*[0-~]?|[\x9b][0-?]*[ -/]*[@-~]|[\x90\x9d\x98\x9e\x9f][\s\S]*?(?:\x07|\x9c|$)/g;
// eslint-disable-next-line no-control-regex
/** C0 (but tab, newline and ESC, which only kept SGR sequences still carry) and C1 controls. */
const CONTROLS = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]/g;
const SGR = /^\x1b\[[0-9;:]*m$/;

export function terminalSafe(text: string, options: { colours: boolean }): string {
  const kept = text.replace(ESCAPES, (seq) => (options.colours && SGR.test(seq) ? seq : ''));
  // \r\n stays a line end; a bare \r (overwrite the line) and other controls go.
  return kept.replace(/\r\n/g, '\n').replace(CONTROLS, '');
}
