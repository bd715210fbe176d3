/**
 * Not API: the {@code java -jar ghostnet.jar} command line (picocli commands), in the library jar
 * only to be packaged into {@code ghostnet.jar}. It changes without notice between releases: run
 * the command line, or use {@code dev.ghostnet}.
 */
package dev.ghostnet.cli;
