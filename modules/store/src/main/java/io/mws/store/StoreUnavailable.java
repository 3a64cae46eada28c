package io.mws.store;

/** A change or read the store of record could not make: it is unreachable, full, or closed. */
public final class StoreUnavailable extends RuntimeException {
  public StoreUnavailable(Throwable cause) {
    super("the store of record is unavailable: " + cause.getMessage(), cause);
  }
}
