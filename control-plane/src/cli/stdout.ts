/**
 * `devflow logs … | head`: when the reader goes away, writing to stdout fails with EPIPE. Unix
 * tools stop quietly then; without this Node prints an unhandled 'error' stack trace and exits 1.
 */
export function exitQuietlyOnBrokenPipe(stream: NodeJS.WritableStream, exit: (code: number) => void): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') exit(0);
    else throw err;
  });
}
