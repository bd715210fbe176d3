// The host executor's workers: one pool for the process, shared by every context.
//
// parallel_for splits a range into chunks that the pool's workers and the calling thread
// take in turn, so concurrent callers (several contexts) share the cores instead of
// multiplying threads. A forward pass at batch 1 runs a hundred short parallel_for calls
// back to back, so an idle worker first spins for a moment before it sleeps: waking a
// sleeping thread costs more than many of those calls take.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

namespace ghostnet::host {

// A non-owning reference to a callable body(begin, end): unlike std::function it never
// allocates, so a steady-state forward pass allocates nothing.
class RangeBody {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, RangeBody>>>
  RangeBody(F&& f)  // NOLINT(google-explicit-constructor): converts like a function reference
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, int64_t begin, int64_t end) { (*static_cast<std::remove_reference_t<F>*>(o))(begin, end); }) {}

  void operator()(int64_t begin, int64_t end) const { call_(object_, begin, end); }

 private:
  void* object_;
  void (*call_)(void*, int64_t, int64_t);
};

// The cores this process may run on (its CPU affinity): the pool's size.
int available_cores();

// The cores one forward pass may use while it runs: as many as it wants, up to those no
// other forward pass holds, and at least one, waiting for it if need be. Forward passes of
// several contexts at once thus share the cores instead of running more threads than there
// are cores.
class CoreLease {
 public:
  explicit CoreLease(int wanted);
  ~CoreLease();
  CoreLease(const CoreLease&) = delete;
  CoreLease& operator=(const CoreLease&) = delete;

  int cores() const { return cores_; }

 private:
  int cores_;
};

// Runs body(begin, end) over [0, count) in chunks of at least `grain`, on at most
// `threads` threads (the caller's included; at most available_cores()); returns when
// every chunk is done. The first exception a chunk throws is rethrown.
void parallel_for(int64_t count, int64_t grain, int threads, RangeBody body);

}  // namespace ghostnet::host
