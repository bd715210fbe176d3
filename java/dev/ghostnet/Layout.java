package dev.ghostnet;

/**
 * What a tensor's dimensions mean. NCHW is PyTorch's image layout, NHWC the channels-last one
 * ghostnet computes in; ROW_MAJOR is a plain dense array (logits, say).
 */
public enum Layout {
  ROW_MAJOR(0),
  NCHW(1),
  NHWC(2);

  private final int code;

  Layout(int code) {
    this.code = code;
  }

  int code() {
    return code;
  }
}
