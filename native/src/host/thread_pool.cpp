#include "host/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ghostnet::host {
namespace {

struct Job {
  const RangeBody* body = nullptr;
  int64_t count = 0;
  int64_t chunk = 1;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex mutex;
  std::condition_variable finished;
  std::exception_ptr error;

  void reset(const RangeBody* b, int64_t n, int64_t c) {
    body = b;
    count = n;
    chunk = c;
    next = 0;
    done = 0;
    error = nullptr;
  }

  // Takes and runs chunks until none is left; true if this call ran the last one.
  void work() {
    const int64_t chunks = (count + chunk - 1) / chunk;
    for (int64_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) {
      try {
        (*body)(c * chunk, std::min(count, (c + 1) * chunk));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
      }
      if (done.fetch_add(1) + 1 == chunks) {
        std::lock_guard<std::mutex> lock(mutex);
        finished.notify_all();
      }
    }
  }

  bool has_chunks_left() const { return next.load() * chunk < count; }
};

class Pool {
 public:
  Pool() {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 1; i < cores; ++i) workers_.emplace_back([this] { loop(); });
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  int threads() const { return int(workers_.size()) + 1; }

  void run(const std::shared_ptr<Job>& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(job);
    }
    wake_.notify_all();
    job->work();
    const int64_t chunks = (job->count + job->chunk - 1) / job->chunk;
    {
      std::unique_lock<std::mutex> lock(job->mutex);
      job->finished.wait(lock, [&] { return job->done.load() == chunks; });
    }
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.erase(std::remove(jobs_.begin(), jobs_.end(), job), jobs_.end());
  }

 private:
  void loop() {
    while (true) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        // Chunks are taken without the lock, so the job is picked in the same check that
        // wakes the worker: a second look could find it already drained.
        wake_.wait(lock, [&] { return stopping_ || (job = first_open_job()) != nullptr; });
        if (stopping_) return;
      }
      job->work();
    }
  }

  std::shared_ptr<Job> first_open_job() const {
    for (const auto& job : jobs_) {
      if (job->has_chunks_left()) return job;
    }
    return nullptr;
  }

  std::vector<std::thread> workers_;
  std::vector<std::shared_ptr<Job>> jobs_;  // a vector: push and erase reuse its capacity
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

// Each calling thread reuses its job once no worker holds it any more, so a steady-state
// call allocates nothing.
std::shared_ptr<Job> reusable_job() {
  thread_local std::shared_ptr<Job> job;
  if (!job || job.use_count() != 1) job = std::make_shared<Job>();
  return job;
}

}  // namespace

int worker_count() { return pool().threads(); }

void parallel_for(int64_t count, int64_t grain, RangeBody body) {
  if (count <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t threads = pool().threads();
  // A few chunks per thread balance uneven chunks without costing much scheduling.
  const int64_t chunk = std::max(grain, (count + 4 * threads - 1) / (4 * threads));
  if (threads == 1 || chunk >= count) {
    body(0, count);
    return;
  }
  std::shared_ptr<Job> job = reusable_job();
  job->reset(&body, count, chunk);
  pool().run(job);
  if (job->error) std::rethrow_exception(job->error);
}

}  // namespace ghostnet::host
