/**
 * Not API: the {@code java -jar ghostnet.jar} command line (picocli commands), in the library jar
 * only to be packaged into {@code ghostnet.jar}; the libraries it uses (picocli, progressbar,
 * gson) are optional dependencies, which a library user does not get. It changes without notice
 * between releases: run the command line, or use {@code dev.ghostnet}.
 */
package dev.ghostnet.cli;
