package dev.ghostnet.image;

/**
 * The resampling filter of the resize, as PIL's {@code Image.resize} applies it (and so
 * torchvision's {@code transforms.Resize} on PIL images): a separable convolution whose support
 * grows with the downscaling factor, so downscaling is antialiased.
 */
public enum Interpolation {
  /** PIL's BILINEAR: the triangle filter, support 1. torchvision's default. */
  BILINEAR,
  /** PIL's BICUBIC: the Keys cubic with a = -0.5, support 2. timm's ghostnet_100 uses it. */
  BICUBIC
}
