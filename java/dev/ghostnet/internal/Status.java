package dev.ghostnet.internal;

import dev.ghostnet.CheckpointException;
import dev.ghostnet.ContextBusyException;
import dev.ghostnet.DeviceUnavailableException;
import dev.ghostnet.GhostNetException;
import dev.ghostnet.InvalidArgumentException;
import dev.ghostnet.OutOfMemoryException;

/** Turns the C API's statuses into typed exceptions carrying the native message. */
public final class Status {
  // Mirror GN_* in c_api.h.
  static final int OK = 0;
  static final int INVALID_ARGUMENT = 1;
  static final int DEVICE_UNAVAILABLE = 2;
  static final int OUT_OF_MEMORY = 3;
  static final int CHECKPOINT = 4;
  static final int BUSY = 5;

  private Status() {}

  public static void check(int status) {
    if (status != OK) {
      throw exception(status, NativeApi.gn_last_error());
    }
  }

  static GhostNetException exception(int status, String message) {
    switch (status) {
      case INVALID_ARGUMENT: return new InvalidArgumentException(message);
      case DEVICE_UNAVAILABLE: return new DeviceUnavailableException(message);
      case OUT_OF_MEMORY: return new OutOfMemoryException(message);
      case CHECKPOINT: return new CheckpointException(message);
      case BUSY: return new ContextBusyException(message);
      default: return new GhostNetException("internal error: " + message);
    }
  }
}
