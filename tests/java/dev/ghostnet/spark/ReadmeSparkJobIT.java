package dev.ghostnet.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ghostnet.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import javax.tools.ToolProvider;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Spark job, compiled from the README and run as its spark-submit command says (the
 * same launcher class, Spark's jars, target/ghostnet.jar and nothing else, bound to the loopback
 * address), classifies the sample images as {@code classify} does.
 */
class ReadmeSparkJobIT {
  static final Path JAR = Path.of(System.getProperty("ghostnet.jar", "target/ghostnet.jar"));
  /** ghostnet's own dependencies and the test tools, which a Spark installation does not have. */
  static final List<String> NOT_SPARK = List.of("/org/bytedeco/", "/info/picocli/", "/me/tongfei/", "/org/junit/",
      "/org/opentest4j/", "/org/apiguardian/", "/surefire", "/failsafe");

  @TempDir Path temp;

  @Test
  void theReadmesJobClassifiesTheSampleFolderAsClassifyDoes() throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    String section = readme.substring(readme.indexOf("## Apache Spark"));
    Matcher code = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(section);
    assertTrue(code.find(), "no Java example in the README's Spark section");
    Matcher submit = Pattern.compile("spark-submit ((?:[^\n]*\\\\\n)*[^\n]*)").matcher(section);
    assertTrue(submit.find(), "no spark-submit command in the README's Spark section");
    List<String> args = new ArrayList<>();
    for (String arg : submit.group(1).replace("\\\n", " ").strip().split("\\s+")) {
      args.add(arg.replace("'", ""));
    }
    int jobJar = args.indexOf("classify-folder.jar");
    assertTrue(jobJar > 0 && args.size() == jobJar + 4,
        "expected ... classify-folder.jar WEIGHTS FOLDER OUTPUT: " + args);
    Path output = temp.resolve("predictions");
    args.set(jobJar, jobJarFrom(code.group(1)).toString());
    args.set(jobJar + 3, output.toString());

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
    command.addAll(List.of("-cp", sparkClassPath(), "org.apache.spark.deploy.SparkSubmit",
        "--conf", "spark.driver.bindAddress=127.0.0.1", "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.ui.enabled=false"));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(temp.resolve("spark-submit.log").toFile());
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = builder.start();
    assertTrue(process.waitFor(300, TimeUnit.SECONDS), "spark-submit did not finish");
    String log = Files.readString(temp.resolve("spark-submit.log"));
    assertEquals(0, process.exitValue(), log);

    Path weights = Path.of(args.get(jobJar + 1));
    Path folder = Path.of(args.get(jobJar + 2));
    StringWriter out = new StringWriter();
    assertEquals(0, Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "classify",
        "--weights", weights.toString(), "--json", folder.toString()));
    Map<Path, JsonObject> expected = new HashMap<>();
    out.toString().lines().map(l -> JsonParser.parseString(l).getAsJsonObject())
        .forEach(o -> expected.put(Path.of(o.get("file").getAsString()).toAbsolutePath(), o));

    List<JsonObject> predicted = new ArrayList<>();
    try (Stream<Path> parts = Files.list(output)) {
      for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
        Files.readAllLines(part).forEach(l -> predicted.add(JsonParser.parseString(l).getAsJsonObject()));
      }
    }
    assertEquals(expected.size(), predicted.size(), log);
    for (JsonObject p : predicted) {
      assertFalse(p.has("error"), p.toString());
      JsonObject line = expected.get(Path.of(URI.create(p.get("path").getAsString())));
      assertNotNull(line, p.toString());
      JsonArray want = line.getAsJsonArray("top");
      JsonArray got = p.getAsJsonArray("top");
      assertEquals(want.size(), got.size());
      for (int k = 0; k < want.size(); k++) {
        JsonObject w = want.get(k).getAsJsonObject();
        JsonObject g = got.get(k).getAsJsonObject();
        assertEquals(w.get("index").getAsInt(), g.get("index").getAsInt(), p + " rank " + k);
        assertEquals(w.get("label").getAsString(), g.get("label").getAsString());
        assertEquals(w.get("probability").getAsFloat(), g.get("probability").getAsFloat());
      }
    }
  }

  /** The README's class compiled against Spark and ghostnet.jar, in a jar of its own. */
  private Path jobJarFrom(String source) throws IOException {
    Path sources = Files.createDirectories(temp.resolve("src"));
    Path classes = Files.createDirectories(temp.resolve("classes"));
    Path file = sources.resolve("ClassifyFolder.java");
    Files.writeString(file, source);
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int status = ToolProvider.getSystemJavaCompiler().run(null, null, errors, "-cp",
        JAR + File.pathSeparator + sparkClassPath(), "-d", classes.toString(), file.toString());
    assertEquals(0, status, errors.toString());
    Path jar = temp.resolve("classify-folder.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new ZipEntry("ClassifyFolder.class"));
      out.write(Files.readAllBytes(classes.resolve("ClassifyFolder.class")));
      out.closeEntry();
    }
    return jar;
  }

  /** Spark's jars: this test's class path less what the build made, ghostnet's dependencies and the test tools. */
  private static String sparkClassPath() {
    Path built = Path.of("target").toAbsolutePath();
    List<String> jars = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.endsWith(".jar") && !Path.of(entry).toAbsolutePath().startsWith(built)
          && NOT_SPARK.stream().noneMatch(entry::contains)) {
        jars.add(entry);
      }
    }
    assertTrue(jars.stream().anyMatch(j -> j.contains("spark-mllib_2.13")), "Spark is not on the class path: " + jars);
    return String.join(File.pathSeparator, jars);
  }
}
