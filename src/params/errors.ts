/** Each failure a caller must tell apart is its own class; messages name the address at fault. */
export class ParamError extends Error {
  readonly address: string;
  constructor(address: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.address = address;
  }
}
export class UnknownParamError extends ParamError {}
export class ParamTypeError extends ParamError {}
export class ParamRangeError extends ParamError {}
export class ReadOnlyParamError extends ParamError {}
/** A scene name or file that cannot be used (here, not in scenes.ts, so the CLI entry can tell it apart without loading scenes). */
export class SceneError extends Error {}
