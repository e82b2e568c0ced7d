/**
 * An error in what the user gave us (a file, a flag, a row). The CLI prints its message
 * without a stack trace and exits with code 2.
 *
 * @example
 * throw new InputError("answers.csv row 3, column item2: expected an option 1–9, got 12");
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/**
 * A file hvae must write could not be written (disk full, quota, read-only file system, I/O
 * error). The CLI prints its message (what, where, how much space) and exits with code 4; the
 * run directory is left so that `hvae run --resume` continues once the cause is fixed.
 *
 * @example
 * throw new IoError("disk full: could not write 262144 bytes to runs/x/events.jsonl (0 bytes free)");
 */
export class IoError extends Error {
  constructor(
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = "IoError";
  }
}
