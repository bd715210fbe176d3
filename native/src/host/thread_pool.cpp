#include "host/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "ghostnet/device.h"

namespace ghostnet::host {
namespace {

// How long an idle thread spins before it sleeps: longer than the gaps between the
// parallel_for calls of one forward pass, short enough to cost little CPU when idle.
constexpr auto kSpin = std::chrono::microseconds(1000);

// Spins until ready() or kSpin has passed; returns ready(). The spin yields now and then:
// a thread that the scheduler placed on the core of the one it waits for would otherwise
// take that core's time from it. (No pause instruction: under virtualisation a loop of
// pauses gets the whole virtual CPU descheduled.)
template <typename Ready>
bool spin_until(const Ready& ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (ready()) return true;
    if ((i & 63) == 63) {
      if (std::chrono::steady_clock::now() > deadline) return ready();
      std::this_thread::yield();
    }
  }
}

// One parallel_for call. It lives on the caller's stack: the caller leaves only once every
// worker that took part has let go of it, so no call allocates.
struct Job {
  const RangeBody* body = nullptr;
  int64_t count = 0;
  int64_t chunk = 1;
  int64_t chunks = 0;
  int helpers = 0;  // how many workers may join the caller
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::atomic<int> workers{0};  // workers inside work(); changed under the pool's mutex
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

  bool open() const { return next.load() < chunks && workers < helpers; }
  bool complete() const { return done.load() == chunks; }
};

class Pool {
 public:
  Pool() : cores_(available_host_cores()) {
    jobs_.reserve(64);  // concurrent callers; pushing and erasing then reuses this capacity
    for (int i = 1; i < cores_; ++i) workers_.emplace_back([this] { loop(); });
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      ++listed_;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  int cores() const { return cores_; }

  void run(Job& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(&job);
      ++listed_;
      if (sleeping_ > 0) wake_.notify_all();
    }
    job.work();
    // The workers' last chunks, and their letting go of the job, end within microseconds:
    // spinning for them keeps a forward pass's many short calls from sleeping at each end.
    if (!spin_until([&] { return job.complete() && job.workers.load() == 0; })) {
      std::unique_lock<std::mutex> lock(job.mutex);
      job.finished.wait(lock, [&] { return job.complete(); });
    }
    // Unlisted, no worker can take the job any more; wait for any still inside it.
    std::unique_lock<std::mutex> lock(mutex_);
    jobs_.erase(std::find(jobs_.begin(), jobs_.end(), &job));
    left_.wait(lock, [&] { return job.workers == 0; });
  }

 private:
  void loop() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      Job* job = first_open_job();
      if (job == nullptr) {
        seen = listed_.load();
        lock.unlock();
        const bool listed = spin_until([&] { return listed_.load() != seen; });
        lock.lock();
        if (!listed) {
          ++sleeping_;
          wake_.wait(lock, [&] { return listed_.load() != seen; });
          --sleeping_;
        }
        continue;
      }
      ++job->workers;
      lock.unlock();
      job->work();
      lock.lock();
      if (--job->workers == 0) left_.notify_all();
    }
  }

  Job* first_open_job() const {
    for (Job* job : jobs_) {
      if (job->open()) return job;
    }
    return nullptr;
  }

  const int cores_;
  std::vector<std::thread> workers_;
  std::vector<Job*> jobs_;
  std::atomic<uint64_t> listed_{0};  // bumped whenever a job is listed (and on stopping)
  int sleeping_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;  // a job was listed, or the pool is stopping
  std::condition_variable left_;  // a worker let go of a job
  bool stopping_ = false;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

// The cores no forward pass holds.
struct Leases {
  std::mutex mutex;
  std::condition_variable returned;
  int free = available_host_cores();
};

Leases& leases() {
  static Leases instance;
  return instance;
}

}  // namespace

int available_cores() { return pool().cores(); }

CoreLease::CoreLease(int wanted) {
  Leases& l = leases();
  std::unique_lock<std::mutex> lock(l.mutex);
  l.returned.wait(lock, [&] { return l.free > 0; });
  cores_ = std::max(1, std::min(wanted, l.free));
  l.free -= cores_;
}

CoreLease::~CoreLease() {
  Leases& l = leases();
  {
    std::lock_guard<std::mutex> lock(l.mutex);
    l.free += cores_;
  }
  l.returned.notify_all();
}

void parallel_for(int64_t count, int64_t grain, int threads, RangeBody body) {
  if (count <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  threads = std::max(1, std::min(threads, pool().cores()));
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
  job.helpers = threads - 1;
  pool().run(job);
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace ghostnet::host
