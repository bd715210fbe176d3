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

  /** The C API's code for this layout (GN_ROW_MAJOR, ... in c_api.h). */
  int code() {
    return code;
  }

  /** The layout a C API code stands for. */
  static Layout fromCode(int code) {
    for (Layout l : values()) {
      if (l.code == code) {
        return l;
      }
    }
    throw new GhostNetException("internal error: the native library returned the unknown layout code " + code);
  }
}
