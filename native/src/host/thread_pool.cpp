#include "host/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ghostnet::host {
namespace {

// One parallel_for call. It lives on the caller's stack: the caller leaves only once every
// worker that took part has let go of it, so no call allocates.
struct Job {
  const RangeBody* body = nullptr;
  int64_t count = 0;
  int64_t chunk = 1;
  int64_t chunks = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  int workers = 0;  // workers inside work(), guarded by the pool's mutex
  std::mutex mutex;
  std::condition_variable finished;
  std::exception_ptr error;

  // Takes and runs chunks until none is left.
  void work() {
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

  bool has_chunks_left() const { return next.load() < chunks; }
};

class Pool {
 public:
  Pool() {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    jobs_.reserve(64);  // concurrent callers; pushing and erasing then reuses this capacity
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

  void run(Job& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(&job);
    }
    wake_.notify_all();
    job.work();
    {
      std::unique_lock<std::mutex> lock(job.mutex);
      job.finished.wait(lock, [&] { return job.done.load() == job.chunks; });
    }
    // Unlisted, no worker can take the job any more; wait for those still inside it.
    std::unique_lock<std::mutex> lock(mutex_);
    jobs_.erase(std::find(jobs_.begin(), jobs_.end(), &job));
    left_.wait(lock, [&] { return job.workers == 0; });
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      Job* job = nullptr;
      wake_.wait(lock, [&] { return stopping_ || (job = first_open_job()) != nullptr; });
      if (stopping_) return;
      ++job->workers;
      lock.unlock();
      job->work();
      lock.lock();
      if (--job->workers == 0) left_.notify_all();
    }
  }

  Job* first_open_job() const {
    for (Job* job : jobs_) {
      if (job->has_chunks_left()) return job;
    }
    return nullptr;
  }

  std::vector<std::thread> workers_;
  std::vector<Job*> jobs_;
  std::mutex mutex_;
  std::condition_variable wake_;  // a job was listed, or the pool is stopping
  std::condition_variable left_;  // a worker let go of a job
  bool stopping_ = false;
};

Pool& pool() {
  static Pool instance;
  return instance;
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
  Job job;
  job.body = &body;
  job.count = count;
  job.chunk = chunk;
  job.chunks = (count + chunk - 1) / chunk;
  pool().run(job);
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace ghostnet::host
