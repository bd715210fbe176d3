package dev.ghostnet;

/** Element types of tensors. */
public enum DType {
  F32(0, 4),
  F16(1, 2),
  BF16(2, 2),
  U8(3, 1);

  private final int code;
  private final int byteSize;

  DType(int code, int byteSize) {
    this.code = code;
    this.byteSize = byteSize;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** The C API's code for this type. */
  int code() {
    return code;
  }
}
