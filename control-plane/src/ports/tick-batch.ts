/**
 * Gathers the calls made while the event loop handles one round of I/O and runs them together,
 * so that a reconnect storm costs one SQL statement (or one Redis write) per round instead of one
 * per agent. Under load a round holds many calls; a lone call waits only until the end of its round.
 */
export class TickBatch<In, Out> {
  private pending: { input: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];

  /** `run` answers with one result per input, in order; if it throws, every call of the batch rejects. */
  constructor(private readonly run: (inputs: readonly In[]) => Promise<readonly Out[]>) {}

  add(input: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ input, resolve, reject }) === 1) setImmediate(this.flush);
    });
  }

  private readonly flush = async (): Promise<void> => {
    const batch = this.pending;
    this.pending = [];
    try {
      const results = await this.run(batch.map((call) => call.input));
      batch.forEach((call, i) => call.resolve(results[i]!));
    } catch (err) {
      for (const call of batch) call.reject(err);
    }
  };
}
