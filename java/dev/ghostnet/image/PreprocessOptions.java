package dev.ghostnet.image;

import dev.ghostnet.InvalidArgumentException;

/**
 * How an image becomes a network input: the shorter side is resized to {@code resize} (the longer
 * side keeps the aspect ratio, truncated as torchvision computes it), then the centre
 * {@code crop} x {@code crop} square is cut out, as torchvision's
 * {@code Compose([Resize(resize, interpolation), CenterCrop(crop)])} does on a PIL image. A crop
 * larger than the resized image is padded with black, as CenterCrop does.
 *
 * <p>Immutable; the {@code with*} methods return a copy.
 *
 * @param resize the length of the shorter side after the resize, at least 1 (default 256)
 * @param crop the side of the square crop, at least 1 (default 224)
 * @param interpolation the resampling filter (default {@link Interpolation#BILINEAR})
 */
public record PreprocessOptions(int resize, int crop, Interpolation interpolation) {
  /** The ImageNet evaluation transform: resize 256, crop 224, bilinear. */
  public static final PreprocessOptions DEFAULT = new PreprocessOptions(256, 224, Interpolation.BILINEAR);

  /** The largest resize or crop accepted. */
  public static final int MAX_SIZE = 1 << 14;

  public PreprocessOptions {
    if (resize < 1 || resize > MAX_SIZE) {
      throw new InvalidArgumentException("resize must be in [1, " + MAX_SIZE + "], got " + resize);
    }
    if (crop < 1 || crop > MAX_SIZE) {
      throw new InvalidArgumentException("crop must be in [1, " + MAX_SIZE + "], got " + crop);
    }
    if (interpolation == null) {
      throw new InvalidArgumentException("interpolation is null");
    }
  }

  public PreprocessOptions withResize(int resize) {
    return new PreprocessOptions(resize, crop, interpolation);
  }

  public PreprocessOptions withCrop(int crop) {
    return new PreprocessOptions(resize, crop, interpolation);
  }

  public PreprocessOptions withInterpolation(Interpolation interpolation) {
    return new PreprocessOptions(resize, crop, interpolation);
  }

  /** Bytes of one preprocessed image: {@code crop * crop * 3} (uint8 HWC RGB). */
  public int outputBytes() {
    return crop * crop * 3;
  }
}
