package dev.ghostnet.image;

import dev.ghostnet.GhostNetException;
import dev.ghostnet.InvalidArgumentException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Class names in class-index order. Immutable and thread-safe.
 *
 * <p>{@link #imagenet()} holds the 1000 ImageNet-1k names bundled with the library, as
 * torchvision names them ({@code torchvision.models._meta._IMAGENET_CATEGORIES}: "tench",
 * "goldfish", ..., "toilet tissue"), in the order of the 1000 logits of ImageNet checkpoints
 * (the official GhostNet and timm's ghostnet_100).
 */
public final class Labels {
  private static final String IMAGENET_RESOURCE = "/dev/ghostnet/image/imagenet-1k.txt";

  private final List<String> names;

  private Labels(List<String> names) {
    this.names = names;
  }

  private static final class ImageNet {
    static final Labels INSTANCE = loadImageNet();
  }

  /** The bundled ImageNet-1k class names (1000, loaded once). */
  public static Labels imagenet() {
    return ImageNet.INSTANCE;
  }

  /**
   * Labels with the given names (copied), index i naming class i.
   *
   * @throws InvalidArgumentException if the list is null or empty or holds a null
   */
  public static Labels of(List<String> names) {
    if (names == null || names.isEmpty()) {
      throw new InvalidArgumentException("labels need at least one name, got " + (names == null ? "null" : "none"));
    }
    for (int i = 0; i < names.size(); i++) {
      if (names.get(i) == null) {
        throw new InvalidArgumentException("label " + i + " is null");
      }
    }
    return new Labels(List.copyOf(names));
  }

  /**
   * Labels read from a UTF-8 text file, one name per line in class order (the format of the
   * bundled file); a final empty line is ignored, other empty lines are names.
   */
  public static Labels read(Path file) {
    if (file == null) {
      throw new InvalidArgumentException("the labels file is null");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return of(lines(in));
    } catch (IOException e) {
      throw new InvalidArgumentException("cannot read labels from " + file + ": " + e);
    }
  }

  private static List<String> lines(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static Labels loadImageNet() {
    try (InputStream in = Labels.class.getResourceAsStream(IMAGENET_RESOURCE)) {
      if (in == null) {
        throw new GhostNetException("the bundled ImageNet labels (resource " + IMAGENET_RESOURCE + ") are missing "
            + "from the class path");
      }
      List<String> names = lines(in);
      if (names.size() != 1000) {
        throw new GhostNetException("the bundled ImageNet labels (resource " + IMAGENET_RESOURCE + ") hold "
            + names.size() + " names, not 1000");
      }
      return new Labels(List.copyOf(names));
    } catch (IOException e) {
      throw new GhostNetException("cannot read the bundled ImageNet labels: " + e, e);
    }
  }

  /**
   * The name of class {@code index}.
   *
   * @throws InvalidArgumentException if index is not in [0, size())
   */
  public String name(int index) {
    if (index < 0 || index >= names.size()) {
      throw new InvalidArgumentException("class index " + index + " is out of range: there are " + names.size()
          + " labels");
    }
    return names.get(index);
  }

  /** How many classes are named. */
  public int size() {
    return names.size();
  }

  /** The names in class order (unmodifiable). */
  public List<String> names() {
    return names;
  }

  @Override
  public String toString() {
    return "Labels[" + names.size() + ": " + names.get(0) + (names.size() > 1 ? ", ..." : "") + "]";
  }
}
