package dev.ghostnet.image;

import dev.ghostnet.InvalidArgumentException;
import java.util.Locale;

/**
 * The resampling filter of the resize, as PIL's {@code Image.resize} applies it (and so
 * torchvision's {@code transforms.Resize} on PIL images): a separable convolution whose support
 * grows with the downscaling factor, so downscaling is antialiased.
 */
public enum Interpolation {
  /** PIL's BILINEAR: the triangle filter, support 1. torchvision's default. */
  BILINEAR,
  /** PIL's BICUBIC: the Keys cubic with a = -0.5, support 2. timm's ghostnet_100 uses it. */
  BICUBIC;

  /** Parses "bilinear" or "bicubic", in any case. */
  public static Interpolation parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new InvalidArgumentException("unknown interpolation '" + text + "': expected bilinear or bicubic");
    }
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
