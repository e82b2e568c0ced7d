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
