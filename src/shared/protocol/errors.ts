// Runs anywhere: the one error shape every protocol check throws.

/** A protocol failure with a machine-readable code; the message never carries content. */
export class ProtocolError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
