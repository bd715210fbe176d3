package dev.ghostnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What depending on dev.ghostnet:ghostnet gives a library user, and the jars the build publishes:
 * the library jar with its sources and documentation, and the runnable ghostnet.jar.
 */
class LibraryJarIT {
  static final Path LIBRARY = Path.of(System.getProperty("ghostnet.libraryJar", "target/ghostnet-0.1.0.jar"));
  static final Path RUNNABLE = Path.of(System.getProperty("ghostnet.jar", "target/ghostnet.jar"));

  @TempDir Path temp;

  /** The dependencies the pom declares. */
  static List<Element> pomDependencies() throws Exception {
    Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new File("pom.xml"))
        .getDocumentElement();
    NodeList list = ((Element) project.getElementsByTagName("dependencies").item(0)).getElementsByTagName("dependency");
    List<Element> dependencies = new ArrayList<>();
    for (int i = 0; i < list.getLength(); i++) {
      dependencies.add((Element) list.item(i));
    }
    return dependencies;
  }

  /** The pom's dependencies that a project depending on this one inherits: neither optional nor test. */
  static Set<String> inheritedDependencies() throws Exception {
    Set<String> inherited = new TreeSet<>();
    for (Element d : pomDependencies()) {
      String scope = text(d, "scope", "compile");
      if (!text(d, "optional", "false").equals("true") && (scope.equals("compile") || scope.equals("runtime"))) {
        inherited.add(text(d, "groupId", "") + ":" + text(d, "artifactId", ""));
      }
    }
    return inherited;
  }

  private static String text(Element element, String tag, String absent) {
    NodeList nodes = element.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? absent : nodes.item(0).getTextContent().strip();
  }

  @Test
  void aLibraryUserInheritsJavaCppAndNothingElse() throws Exception {
    assertEquals(Set.of("org.bytedeco:javacpp"), inheritedDependencies());
  }

  @Test
  void sparkIsProvidedNeverPackaged() throws Exception {
    Set<String> spark = new TreeSet<>();
    for (Element d : pomDependencies()) {
      if (text(d, "groupId", "").equals("org.apache.spark")) {
        spark.add(text(d, "artifactId", "") + ":" + text(d, "scope", "compile"));
      }
    }
    assertEquals(Set.of("spark-sql_2.13:provided", "spark-mllib_2.13:provided"), spark);
    Set<String> runnable = entries(RUNNABLE);
    assertTrue(runnable.contains("dev/ghostnet/spark/GhostNetClassifier.class"));
    assertEquals(List.of(), runnable.stream().filter(e -> e.startsWith("org/apache/spark/") || e.startsWith("scala/")
        || e.startsWith("org/apache/hadoop/")).limit(5).toList());
  }

  @Test
  void theLibraryJarWithJavaCppAloneClassifiesLikePyTorch() throws Exception {
    Path program = temp.resolve("program");
    Path programClass = program.resolve("dev/ghostnet/LibraryUser.class");
    Files.createDirectories(programClass.getParent());
    Files.copy(location(LibraryUser.class).resolve("dev/ghostnet/LibraryUser.class"), programClass);
    String classPath = String.join(File.pathSeparator, LIBRARY.toString(),
        location(org.bytedeco.javacpp.Loader.class).toString(), program.toString());
    Fixtures.Case c = Fixtures.smallCase();
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // A fresh JavaCPP cache: the natives come from the library jar.
        "-Dorg.bytedeco.javacpp.cachedir=" + temp.resolve("javacpp-cache"), "-cp", classPath,
        LibraryUser.class.getName(), c.weights().toString(), c.input().toString(), c.expected().toString(),
        String.valueOf(1e-4 * c.maxAbsReference() + 1e-6),
        Fixtures.DIR.resolve("images/samples/rgb_500x375.jpg").toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the program did not finish");
    assertEquals(0, process.exitValue(), output);
    assertEquals("ok", output.strip());
  }

  @Test
  void sourcesAndDocumentationArePublishedBesideTheLibrary() throws IOException {
    String base = LIBRARY.getFileName().toString().replaceAll("\\.jar$", "");
    Set<String> sources = entries(LIBRARY.resolveSibling(base + "-sources.jar"));
    assertTrue(sources.containsAll(Set.of("dev/ghostnet/Tensor.java", "dev/ghostnet/Predictor.java",
        "dev/ghostnet/image/ImagePreprocessor.java", "dev/ghostnet/internal/package-info.java")), sources.toString());
    Set<String> javadoc = entries(LIBRARY.resolveSibling(base + "-javadoc.jar"));
    assertTrue(javadoc.containsAll(Set.of("index.html", "dev/ghostnet/Tensor.html", "dev/ghostnet/Predictor.html",
        "dev/ghostnet/LeakDetector.html", "dev/ghostnet/image/ImagePreprocessor.html")), javadoc.toString());
    // Not API, so not documented as such.
    assertFalse(javadoc.stream().anyMatch(e -> e.startsWith("dev/ghostnet/internal/") || e.startsWith("dev/ghostnet/cli/")),
        javadoc.toString());
  }

  @Test
  void theRunnableJarKeepsEveryDependency() throws IOException {
    assertTrue(entries(RUNNABLE).containsAll(Set.of("picocli/CommandLine.class", "me/tongfei/progressbar/ProgressBar.class",
        "org/jline/terminal/Terminal.class", "com/google/gson/Gson.class", "org/bytedeco/cuda/cudart/CUstream_st.class",
        "org/bytedeco/javacpp/Loader.class", "dev/ghostnet/cli/Main.class")));
  }

  private static Set<String> entries(Path jar) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      Set<String> names = new TreeSet<>();
      zip.stream().forEach(e -> names.add(e.getName()));
      return names;
    }
  }

  private static Path location(Class<?> c) throws URISyntaxException {
    return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
