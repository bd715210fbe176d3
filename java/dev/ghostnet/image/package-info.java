/**
 * Images in, classes out: decoding, resizing and cropping as torchvision does on PIL images, and
 * the class names and top-k of a result.
 *
 * <ul>
 *   <li>{@link dev.ghostnet.image.ImageDecoder}: JPEG and PNG to the RGB pixels PIL's
 *       {@code convert("RGB")} gives, JPEGs through the system's libjpeg-turbo where it is
 *       installed, everything else through the JDK's ImageIO; typed errors
 *       ({@link dev.ghostnet.image.ImageDecodeException}) for anything it refuses.
 *   <li>{@link dev.ghostnet.image.ImagePreprocessor}: {@code Resize(256)} + {@code CenterCrop(224)}
 *       (sizes and {@link dev.ghostnet.image.Interpolation} in
 *       {@link dev.ghostnet.image.PreprocessOptions}) to uint8 HWC RGB, into a caller's buffer.
 *   <li>{@link dev.ghostnet.image.Labels} and {@link dev.ghostnet.image.Classification}: ImageNet
 *       names, softmax and top-k.
 * </ul>
 */
package dev.ghostnet.image;
