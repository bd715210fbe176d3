package dev.ghostnet.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cuDNN from a jar laid out as JavaCPP's CUDA redistributable: extracted with what it opens, into one folder. */
class CudaRedistributableTest {
  private static final String FOLDER = "org/bytedeco/cuda/linux-x86_64/";
  private static final List<String> NEEDED = List.of("libcudnn.so.9", "libcudnn_graph.so.9",
      "libcudnn_engines_tensor_ir.so.9", "libcublasLt.so.13", "libnvrtc.so.13", "libnvrtc-builtins.so.13.1");

  @TempDir Path temp;

  private Path redistributableJar() throws IOException {
    Path jar = temp.resolve("cuda-13.1-9.19-1.5.13-linux-x86_64-redist.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (String name : Stream.concat(NEEDED.stream(), Stream.of("libcufft.so.12", "libcudart.so.13", "README"))
          .toList()) {
        out.putNextEntry(new JarEntry(FOLDER + name));
        out.write(name.getBytes(StandardCharsets.UTF_8));
      }
      out.putNextEntry(new JarEntry("org/bytedeco/cuda/linux-arm64/libcudnn_ops.so.9"));
      out.write(1);
    }
    return jar;
  }

  private static Set<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return new TreeSet<>(files.map(f -> f.getFileName().toString()).toList());
    }
  }

  @Test
  void cudnnItsSubLibrariesCublasLtAndNvrtcAreExtractedTogether() throws IOException {
    Path jar = redistributableJar();
    URL cudnn = new URL("jar:" + jar.toUri() + "!/" + FOLDER + "libcudnn.so.9");
    Path folder = CudaRedistributable.extractCudnn(cudnn, temp.resolve("cache"));
    assertEquals(temp.resolve("cache").resolve(jar.getFileName()), folder);
    assertEquals(new TreeSet<>(NEEDED), names(folder));
    assertArrayEquals("libcublasLt.so.13".getBytes(StandardCharsets.UTF_8),
        Files.readAllBytes(folder.resolve("libcublasLt.so.13")));
  }

  @Test
  void filesAlreadyExtractedAreKeptAndAStaleOneIsReplaced() throws IOException {
    Path jar = redistributableJar();
    URL cudnn = new URL("jar:" + jar.toUri() + "!/" + FOLDER + "libcudnn.so.9");
    Path folder = CudaRedistributable.extractCudnn(cudnn, temp.resolve("cache"));
    Files.writeString(folder.resolve("libcudnn.so.9"), "stale");
    Path again = CudaRedistributable.extractCudnn(cudnn, temp.resolve("cache"));
    assertEquals("libcudnn.so.9", Files.readString(again.resolve("libcudnn.so.9")));
    assertEquals(new TreeSet<>(NEEDED), names(again));
  }
}
