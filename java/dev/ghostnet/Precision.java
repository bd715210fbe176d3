package dev.ghostnet;

import java.util.Locale;

/** The arithmetic a model computes in; accumulation is always FP32. */
public enum Precision {
  FP32(0),
  FP16(1),
  BF16(2);

  private final int code;

  Precision(int code) {
    this.code = code;
  }

  /** The C API's code for this precision (GN_PRECISION_F32, ... in c_api.h). */
  int code() {
    return code;
  }

  /** Parses "fp32", "fp16" or "bf16". */
  public static Precision parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidArgumentException("unknown precision '" + text + "': expected fp32, fp16 or bf16");
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
