package dev.ghostnet.spark;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/** The local disk under the scheme counting://, counting the files it opens: a remote file system for tests. */
public class CountingFileSystem extends RawLocalFileSystem {
  static final String SCHEME = "counting";
  static final AtomicInteger OPENS = new AtomicInteger();

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataInputStream open(Path path, int bufferSize) throws IOException {
    OPENS.incrementAndGet();
    return super.open(path, bufferSize);
  }
}
