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

  /** The C API's code for this type (GN_F32, ... in c_api.h). */
  int code() {
    return code;
  }

  /** The type a C API code stands for. */
  static DType fromCode(int code) {
    for (DType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new GhostNetException("internal error: the native library returned the unknown dtype code " + code);
  }
}
