// The host executor's workers: one pool for the process, shared by every context.
//
// parallel_for splits a range into chunks that the pool's workers and the calling thread
// take in turn, so concurrent callers (several contexts) share the cores instead of
// multiplying threads.
#pragma once

#include <cstdint>
#include <functional>

namespace ghostnet::host {

// Runs body(begin, end) over [0, count) in chunks of at least `grain`, on all cores;
// returns when every chunk is done. The first exception a chunk throws is rethrown.
void parallel_for(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& body);

int worker_count();  // threads that take part, the caller included

}  // namespace ghostnet::host
