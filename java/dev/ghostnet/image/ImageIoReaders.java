package dev.ghostnet.image;

import java.awt.Point;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;

/**
 * The JDK's own JPEG and PNG readers, picked by class so that another ImageIO plugin on the class
 * path (which could decode differently) is not used, and one fresh reader per image.
 */
final class ImageIoReaders {
  private ImageIoReaders() {}

  private static final ImageReaderSpi JPEG = find("jpeg", "com.sun.imageio.plugins.jpeg.JPEGImageReaderSpi");
  private static final ImageReaderSpi PNG = find("png", "com.sun.imageio.plugins.png.PNGImageReaderSpi");

  private static ImageReaderSpi find(String format, String jdkClass) {
    Iterator<ImageReaderSpi> providers =
        IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, true);
    ImageReaderSpi fallback = null;
    while (providers.hasNext()) {
      ImageReaderSpi spi = providers.next();
      if (spi.getClass().getName().equals(jdkClass)) {
        return spi;
      }
      if (fallback == null && Arrays.asList(spi.getFormatNames()).contains(format)) {
        fallback = spi;
      }
    }
    return fallback;
  }

  private static ImageReader create(ImageReaderSpi spi, String format, String name) {
    if (spi == null) {
      throw new ImageDecodeException(name, "this JDK has no ImageIO " + format + " reader");
    }
    try {
      return spi.createReaderInstance();
    } catch (IOException e) {
      throw new ImageDecodeException(name, "cannot create the ImageIO " + format + " reader: " + e, e);
    }
  }

  /** The decoded components of a JPEG, with no colour conversion. */
  static Raster readJpegRaster(byte[] data, String name) {
    ImageReader reader = create(JPEG, "JPEG", name);
    try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(data)) {
      reader.setInput(in, true, true);
      return reader.readRaster(0, null);
    } catch (IOException | RuntimeException e) {
      throw new ImageDecodeException(name, "the JPEG is corrupt or unsupported: " + describe(e), e);
    } finally {
      reader.dispose();
    }
  }

  private static final ColorModel RGB = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false,
      false, ColorModel.OPAQUE, DataBuffer.TYPE_BYTE);

  /**
   * A YCbCr JPEG converted to RGB by libjpeg itself (its SIMD code, as for PIL), straight into a
   * packed RGB array: twice as fast as the raster and the conversion in Java. Only for files with
   * a JFIF marker, no Adobe marker and no ICC profile: then the JDK and libjpeg agree that the
   * components are YCbCr, and the JDK applies no colour management.
   */
  static byte[] readJpegRgb(byte[] data, String name, int width, int height) {
    ImageReader reader = create(JPEG, "JPEG", name);
    try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(data)) {
      reader.setInput(in, true, true);
      byte[] pixels = new byte[width * height * 3];
      WritableRaster raster = Raster.createInterleavedRaster(new DataBufferByte(pixels, pixels.length), width, height,
          width * 3, 3, new int[] {0, 1, 2}, new Point(0, 0));
      ImageReadParam param = reader.getDefaultReadParam();
      param.setDestination(new BufferedImage(RGB, raster, false, null));
      reader.read(0, param);
      return pixels;
    } catch (IOException | RuntimeException e) {
      throw new ImageDecodeException(name, "the JPEG is corrupt or unsupported: " + describe(e), e);
    } finally {
      reader.dispose();
    }
  }

  static BufferedImage readPng(byte[] data, String name) {
    ImageReader reader = create(PNG, "PNG", name);
    try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(data)) {
      reader.setInput(in, true, true);
      return reader.read(0, null);
    } catch (IOException | RuntimeException e) {
      throw new ImageDecodeException(name, "the PNG is corrupt, truncated or unsupported: " + describe(e), e);
    } finally {
      reader.dispose();
    }
  }

  /** The exception's message and those of its causes (ImageIO wraps the informative one). */
  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null && text.length() < 400; t = t.getCause() == t ? null : t.getCause()) {
      if (text.length() > 0) {
        text.append(": ");
      }
      text.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
    }
    return text.toString();
  }
}
