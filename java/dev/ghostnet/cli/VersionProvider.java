package dev.ghostnet.cli;

import dev.ghostnet.RuntimeInfo;
import picocli.CommandLine.IVersionProvider;

/** Prints the library version for {@code --version}. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"ghostnet " + RuntimeInfo.query().libraryVersion()};
  }
}
