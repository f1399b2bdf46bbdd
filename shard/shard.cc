#include "shard/shard.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "shard/alloc.h"
#include "shard/clock.h"
#include "shard/slab.h"

namespace shoal {

namespace {
thread_local Shard* tl_current_shard = nullptr;

}  // namespace

struct Shard::Impl {
  explicit Impl(boost::asio::io_context& io)
      : wake(io), expire_timer(io), guard(io.get_executor()) {}
  boost::asio::posix::stream_descriptor wake;
  boost::asio::steady_timer expire_timer;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard;
};

Shard::Shard(uint32_t id, unsigned num_dbs)
    // UNSAFE_IO: no lock around a socket's reactor state (two lock/unlock pairs per read). Only
    // this thread registers, uses and closes its sockets (Connection::Start registers a client's
    // descriptor here; the eventfd is registered before the thread starts). Posting to the
    // io_context and timers from other threads stay locked.
    : id_(id),
      io_(std::make_unique<boost::asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO)),
      db_slice_(id, num_dbs) {
  event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  impl_ = std::make_unique<Impl>(*io_);
  impl_->wake.assign(event_fd_);
}

namespace {
struct FnMsg : ShardMsg {
  std::function<void(Shard&)> work;
  static void Run(ShardMsg* self, Shard* s) {
    auto* fm = static_cast<FnMsg*>(self);
    fm->work(*s);
    delete fm;
  }
};
}  // namespace

Shard::~Shard() {
  // Messages sent after this loop stopped (another shard's last work at shutdown) never run: the
  // ones that own themselves (a discard hook: Post's, RunOnThread's, pub/sub deliveries, unparks)
  // are freed here; the others belong to their senders.
  auto discard = [](ShardMsg* m) {
    if (m->discard != nullptr) m->discard(m);
  };
  while (MpscNode* node = queue_.Pop()) discard(static_cast<ShardMsg*>(node));
  for (ShardMsg* m : backlog_) discard(m);
  impl_.reset();  // closes the eventfd through the descriptor
  io_.reset();
}

Shard* Shard::Current() { return tl_current_shard; }

namespace {
std::atomic<void (*)()> g_loop_exit_hook{nullptr};
}  // namespace

void Shard::SetLoopExitHook(void (*hook)()) { g_loop_exit_hook.store(hook); }

void Shard::Notify() {
  // seq_cst, paired with the fence in Drain: a store-then-load handshake on both sides (the
  // link store then this flag here; the flag clear then the link loads there).
  if (!wake_pending_.exchange(true, std::memory_order_seq_cst)) {
    uint64_t one = 1;
    ssize_t r = write(event_fd_, &one, sizeof(one));
    (void)r;  // EAGAIN only if the counter is saturated, which still wakes the reader
  }
}

void Shard::Post(bool deferrable, std::function<void(Shard&)> work) {
  auto* m = new FnMsg;
  m->work = std::move(work);
  m->deferrable = deferrable;
  m->fn = &FnMsg::Run;
  m->discard = &DeleteMsg<FnMsg>;
  Send(m);
}

void Shard::ArmWakeup() {
  impl_->wake.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this](const boost::system::error_code& ec) {
                           if (ec) return;
                           uint64_t v;
                           ssize_t r = read(event_fd_, &v, sizeof(v));
                           (void)r;
                           Drain();
                           ArmWakeup();
                         });
}

void Shard::Drain() {
  MpscNode* node = queue_.Pop();
  for (;;) {
    // While parked, the clock stays where the armed transaction found it: no key may expire
    // between two of its hops.
    if (parked_by_ == nullptr) db_slice_.SetNow(UnixMs());
    int64_t n = 0;
    for (; node != nullptr; node = queue_.Pop()) {
      Dispatch(static_cast<ShardMsg*>(node));
      ++n;
    }
    messages_.store(messages_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    if (n > 0) {
      // Busy: look again once the handlers ready in this loop turn have run, with the flag left
      // set, so that senders meanwhile skip the eventfd write (and this loop its read and
      // re-arm): under load a hop costs no syscall at all. A drain that finds nothing clears it.
      if (!redrain_posted_) {
        redrain_posted_ = true;
        boost::asio::post(*io_, [this] {
          redrain_posted_ = false;
          Drain();
        });
      }
      return;
    }
    // Idle: clear the flag, then look once more. A push whose Notify saw the flag still set is
    // complete and visible to this Pop (seq_cst on both sides); one still between its two steps
    // hides what follows it, but its Notify comes after this store and writes the eventfd.
    wake_pending_.store(false, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    node = queue_.Pop();
    if (node == nullptr) return;
    wake_pending_.store(true, std::memory_order_seq_cst);  // busy again
  }
}

void Shard::Dispatch(ShardMsg* m) {
  if ((m->deferrable && (parked_by_ != nullptr || !backlog_.empty())) ||
      (lent_ && m->owner != parked_by_ && !m->completion)) {
    backlog_.push_back(m);
    return;
  }
  m->fn(m, this);
  ServeBlocked();
  evictor_.AfterMessage();
}

void Shard::Unpark() {
  parked_by_ = nullptr;
  lent_ = false;
  db_slice_.SetNow(UnixMs());
  ServeBlocked();  // keys the transaction made ready are served before any later command
  while (parked_by_ == nullptr && !backlog_.empty()) {
    ShardMsg* m = backlog_.front();
    backlog_.pop_front();
    m->fn(m, this);
    ServeBlocked();
    evictor_.AfterMessage();
  }
}

void Shard::ScheduleExpire(int delay_ms) {
  impl_->expire_timer.expires_after(std::chrono::milliseconds(delay_ms));
  impl_->expire_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    int hz = static_cast<int>(ShardSettings::Get(ShardSettings::hz));
    if (hz < 1) hz = 1;
    int period_ms = 1000 / hz;
    if (parked_by_ != nullptr) {  // a transaction owns the data right now; try again soon
      ScheduleExpire(1);
      return;
    }
    db_slice_.SetNow(UnixMs());
    // At most 1 ms per slice; when it keeps finding many expired keys, continue after 1 ms so
    // the loop still serves clients in between (never a long stall).
    bool more =
        ShardSettings::Get(ShardSettings::active_expire) != 0 && db_slice_.ActiveExpire(1000);
    evictor_.Tick();
    db_slice_.LimitTracking();  // also when idle after CONFIG SET lowered the limit, as Redis
    ReturnFreedMemory(db_slice_.now_ms());
    ScheduleExpire(more ? 1 : period_ms);
  });
}

void Shard::ReturnFreedMemory(int64_t now_ms) {
  // Entry blocks other threads freed (lazyfree, other shards) come back to the slab's lists, and
  // its pages that became empty to the heap, before the heap's collect below looks.
  db_slice_.slab().CollectRemote();
  // 4 MB: small churn never triggers it; a collect walks the heap's pages, so it runs only after
  // a real drop and at most once a second (a few hundred microseconds per GB of live pages).
  constexpr size_t kReturnMemoryDrop = 4 << 20;
  constexpr int64_t kMinIntervalMs = 1000;
  const size_t used = db_slice_.UsedBytes();
  if (used > mem_high_) mem_high_ = used;
  if (mem_high_ - used < kReturnMemoryDrop || now_ms - last_collect_ms_ < kMinIntervalMs) return;
  mem::CollectThreadHeap(/*force=*/false);
  last_collect_ms_ = now_ms;
  mem_high_ = used;
}

void Shard::Start(std::function<void()> on_start) {
  thread_ = std::thread([this, on_start = std::move(on_start)] {
    tl_current_shard = this;
    mem::CreateThreadHeap();
    mem::SetThreadCounter(db_slice_.heap_counter());  // this thread's allocations are our data
    tl_slab = &db_slice_.slab();                      // and entries come from our slab
    if (on_start) on_start();
    ArmWakeup();
    ScheduleExpire(100);
    io_->run();
    if (auto hook = g_loop_exit_hook.load()) hook();
    tl_current_shard = nullptr;
    tl_slab = nullptr;
  });
}

void Shard::Stop() {
  boost::asio::post(*io_, [this] {
    impl_->expire_timer.cancel();
    impl_->wake.cancel();
    impl_->guard.reset();
    io_->stop();
  });
}

void Shard::Join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace shoal
