package dev.ghostnet.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;

/**
 * cuDNN from JavaCPP's CUDA redistributable jar, made loadable: cuDNN opens its sub-libraries,
 * cuBLASLt and NVRTC by name, so all of them are extracted into one folder, where libghostnet's
 * loader finds them beside one another. (Extracting libcudnn.so.9 alone leaves cuDNN without
 * what it needs.)
 */
final class CudaRedistributable {
  /** What cuDNN needs from the jar's folder: itself, its sub-libraries, cuBLASLt, NVRTC and its builtins. */
  static final Pattern CUDNN_AND_WHAT_IT_OPENS = Pattern.compile("lib(cudnn.*|cublasLt|nvrtc.*)\\.so(\\.[0-9]+)+");

  private CudaRedistributable() {}

  /**
   * Extracts, from the jar that holds {@code cudnn} (a jar: URL of its libcudnn.so.9), the
   * libraries of that folder cuDNN needs into {@code cache}/<jar name>, unless they are there
   * already with the same size, and returns that folder.
   */
  static Path extractCudnn(URL cudnn, Path cache) throws IOException {
    JarURLConnection connection = (JarURLConnection) cudnn.openConnection();
    String entry = connection.getEntryName();
    String folder = entry.substring(0, entry.lastIndexOf('/') + 1);
    Path jarPath;
    try {
      jarPath = Path.of(connection.getJarFileURL().toURI());
    } catch (URISyntaxException e) {
      throw new IOException("cannot locate the jar of " + cudnn, e);
    }
    Path target = cache.resolve(jarPath.getFileName().toString());
    Files.createDirectories(target);
    try (JarFile jar = new JarFile(jarPath.toFile())) {
      for (JarEntry e : jar.stream().toList()) {
        String name = e.getName().substring(Math.min(folder.length(), e.getName().length()));
        if (e.getName().startsWith(folder) && CUDNN_AND_WHAT_IT_OPENS.matcher(name).matches()) {
          extract(jar, e, target.resolve(name));
        }
      }
    }
    return target;
  }

  /** Writes an entry where another JVM may be reading or writing it: to a new file, then renamed. */
  private static void extract(JarFile jar, JarEntry entry, Path file) throws IOException {
    if (Files.isRegularFile(file) && Files.size(file) == entry.getSize()) {
      return;
    }
    Path partial = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".part");
    try (InputStream in = jar.getInputStream(entry)) {
      Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(partial);
    }
  }
}
