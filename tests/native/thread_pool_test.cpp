#include "host/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ghostnet::host {
namespace {

TEST(ThreadPool, EveryIndexRunsExactlyOnce) {
  for (int64_t count : {int64_t(1), int64_t(7), int64_t(1000), int64_t(100003)}) {
    const std::size_t n = static_cast<std::size_t>(count);
    std::vector<std::atomic<int>> hits(n);
    parallel_for(count, 1, available_cores(), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) hits[std::size_t(i)]++;
    });
    for (const auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

TEST(ThreadPool, ConcurrentCallersShareThePool) {
  std::vector<std::thread> callers;
  std::atomic<int64_t> total{0};
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        parallel_for(1000, 10, available_cores(), [&](int64_t begin, int64_t end) { total += end - begin; });
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(total.load(), int64_t(8) * 200 * 1000);
}

TEST(ThreadPool, AChunksExceptionReachesTheCallerAfterAllChunksFinish) {
  std::atomic<int64_t> done{0};
  EXPECT_THROW(parallel_for(10000, 1, available_cores(),
                            [&](int64_t begin, int64_t end) {
                              if (begin == 0) throw std::runtime_error("chunk failed");
                              done += end - begin;
                            }),
               std::runtime_error);
  EXPECT_GT(done.load(), 0);
  // The pool still works afterwards.
  std::atomic<int64_t> after{0};
  parallel_for(100, 1, available_cores(), [&](int64_t begin, int64_t end) { after += end - begin; });
  EXPECT_EQ(after.load(), 100);
}

TEST(ThreadPool, NoMoreThreadsTakePartThanTheCallerAllows) {
  for (int threads = 1; threads <= available_cores(); ++threads) {
    std::mutex mutex;
    std::set<std::thread::id> seen;
    parallel_for(64, 1, threads, [&](int64_t, int64_t) {
      // Long enough chunks that every thread allowed would join in.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard<std::mutex> lock(mutex);
      seen.insert(std::this_thread::get_id());
    });
    EXPECT_LE(int(seen.size()), threads);
    if (threads == 1) {
      EXPECT_EQ(*seen.begin(), std::this_thread::get_id()) << "one thread is the caller's";
    }
  }
}

TEST(ThreadPool, ForwardPassesAtOnceNeverLeaseMoreCoresThanThereAre) {
  std::atomic<int> leased{0}, most{0};
  std::vector<std::thread> passes;
  for (int t = 0; t < 6; ++t) {
    passes.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        const CoreLease lease(available_cores());
        EXPECT_GE(lease.cores(), 1);
        const int now = leased += lease.cores();
        for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
        }
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        leased -= lease.cores();
      }
    });
  }
  for (auto& t : passes) t.join();
  EXPECT_LE(most.load(), available_cores());
  EXPECT_EQ(leased.load(), 0);
}

}  // namespace
}  // namespace ghostnet::host
