// zipf_cache: a cache-aside load generator for comparing eviction quality and throughput of
// Redis-protocol servers under a skewed (Zipf) key popularity, as in issue 4's benchmark.
//
// Each client thread owns one connection. A round sends `--pipeline` GETs for Zipf-drawn keys;
// every miss is then written back with a SET (one more pipelined round trip), as a cache-aside
// application would. The key of popularity rank r is "<prefix><16 hex digits of Mix64(r)>", so
// hot keys are spread over the whole hash space (and over all shards). A key's value size is a
// fixed pseudo-random function of the key (uniform over the size range), so every server and
// every run store the same data set; the same seed gives each client the same key sequence. A
// hit's value is checked (length, and the key id the value starts with) so that a server
// returning the wrong value is caught.
//
// hiredis is used for connecting and for parsing replies, through reader callbacks that only
// record what arrived: with the command buffers and the reader buffer reused, the request loop
// allocates nothing.
//
// Output: one JSON object on stdout (see Report()); errors on stderr, exit status 1 on a
// connection or protocol failure, 2 on bad options.

#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <bit>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  int clients = 4;
  int pipeline = 1;
  uint64_t keys = 1000000;
  double zipf = 0.99;
  uint64_t value_min = 100;
  uint64_t value_max = 100;
  double duration = 0;  // seconds; 0 = stop on --requests only
  uint64_t requests = 0;
  uint64_t warmup_requests = 0;
  uint64_t seed = 1;
  std::string key_prefix = "key:";
};

constexpr const char* kUsage =
    "usage: zipf_cache [options]\n"
    "  --host H              server address (default 127.0.0.1)\n"
    "  --port P              server port (default 6379)\n"
    "  --clients N           client threads, one connection each (default 4)\n"
    "  --pipeline P          GETs per round trip (default 1)\n"
    "  --keys K              key space size (default 1000000, at most 100000000)\n"
    "  --zipf S              Zipf exponent, 0 = uniform (default 0.99)\n"
    "  --value-min B         smallest value in bytes (default 100)\n"
    "  --value-max B         largest value in bytes (default 100)\n"
    "  --requests N          cache lookups (GETs) to measure, over all clients\n"
    "  --duration SECS       measure for this long (with --requests: whichever ends first)\n"
    "                        (neither given: --requests 1000000)\n"
    "  --warmup-requests N   lookups before measuring, not counted (default 0)\n"
    "  --seed N              random seed (default 1)\n"
    "  --key-prefix S        key name prefix (default \"key:\")\n";

[[noreturn]] void BadUsage(const std::string& msg) {
  std::fprintf(stderr, "zipf_cache: %s\n%s", msg.c_str(), kUsage);
  std::exit(2);
}

[[noreturn]] void Fatal(const std::string& msg) {
  std::fprintf(stderr, "zipf_cache: %s\n", msg.c_str());
  std::fflush(stderr);
  std::_Exit(1);
}

uint64_t ParseU64(std::string_view name, std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    BadUsage(std::string(name) + ": not a non-negative integer: " + std::string(s));
  }
  return v;
}

double ParseDouble(std::string_view name, std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !(v >= 0) || std::isinf(v)) {
    BadUsage(std::string(name) + ": not a non-negative number: " + std::string(s));
  }
  return v;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  bool have_requests = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) BadUsage("missing value for " + std::string(a));
    std::string_view v = argv[++i];
    if (a == "--host") {
      o.host = v;
    } else if (a == "--port") {
      o.port = static_cast<int>(ParseU64(a, v));
    } else if (a == "--clients") {
      o.clients = static_cast<int>(ParseU64(a, v));
    } else if (a == "--pipeline") {
      o.pipeline = static_cast<int>(ParseU64(a, v));
    } else if (a == "--keys") {
      o.keys = ParseU64(a, v);
    } else if (a == "--zipf") {
      o.zipf = ParseDouble(a, v);
    } else if (a == "--value-min") {
      o.value_min = ParseU64(a, v);
    } else if (a == "--value-max") {
      o.value_max = ParseU64(a, v);
    } else if (a == "--requests") {
      o.requests = ParseU64(a, v);
      have_requests = true;
    } else if (a == "--duration") {
      o.duration = ParseDouble(a, v);
    } else if (a == "--warmup-requests") {
      o.warmup_requests = ParseU64(a, v);
    } else if (a == "--seed") {
      o.seed = ParseU64(a, v);
    } else if (a == "--key-prefix") {
      o.key_prefix = v;
    } else {
      BadUsage("unknown option " + std::string(a));
    }
  }
  if (o.port < 1 || o.port > 65535) BadUsage("--port must be 1..65535");
  if (o.clients < 1 || o.clients > 4096) BadUsage("--clients must be 1..4096");
  if (o.pipeline < 1 || o.pipeline > 100000) BadUsage("--pipeline must be 1..100000");
  if (o.keys < 1 || o.keys > 100000000) BadUsage("--keys must be 1..100000000");
  if (o.value_max < o.value_min) BadUsage("--value-max is smaller than --value-min");
  if (o.value_max > 512u * 1024 * 1024) BadUsage("--value-max is above 512 MB");
  if (!have_requests && o.duration == 0) o.requests = 1000000;
  if (have_requests && o.requests == 0) BadUsage("--requests must be positive");
  return o;
}

// splitmix64's finalizer: a bijection on 64-bit integers, so distinct ranks get distinct keys.
uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// xoshiro256**: fast, and good enough statistically for load generation.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& w : s_) w = seed = Mix64(seed);
  }

  uint64_t Next() {
    uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  std::array<uint64_t, 4> s_;
};

// Cumulative Zipf weights 1/(r+1)^s, so a draw is one binary search. Doubles: with 10M keys the
// tail probabilities are far below float resolution.
class ZipfTable {
 public:
  ZipfTable(uint64_t n, double s) : cdf_(n) {
    long double sum = 0;  // 10M terms: keep the rounding error of the running sum negligible
    for (uint64_t r = 0; r < n; ++r) {
      sum += s == 0 ? 1.0 : std::pow(static_cast<double>(r + 1), -s);
      cdf_[r] = static_cast<double>(sum);
    }
  }

  uint64_t Draw(double u) const {
    double x = u * cdf_.back();
    auto it = std::upper_bound(cdf_.begin(), cdf_.end(), x);
    return std::min<uint64_t>(it - cdf_.begin(), cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

// Log-linear latency histogram over nanoseconds: 64 sub-buckets per power of two (error under
// 1.6%), exact below 128 ns.
class Histogram {
 public:
  void Record(uint64_t ns, uint64_t count) {
    counts_[Bucket(ns)] += count;
    total_ += count;
    sum_ns_ += ns * count;
    max_ns_ = std::max(max_ns_, ns);
  }

  void Merge(const Histogram& o) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ns_ += o.sum_ns_;
    max_ns_ = std::max(max_ns_, o.max_ns_);
  }

  // The value below which a fraction q of the recorded samples lie (bucket midpoint).
  double PercentileUs(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
    rank = std::clamp<uint64_t>(rank, 1, total_);
    uint64_t seen = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      seen += counts_[b];
      if (seen >= rank) return std::min(Midpoint(b), static_cast<double>(max_ns_)) / 1000.0;
    }
    return static_cast<double>(max_ns_) / 1000.0;
  }

  double MeanUs() const {
    return total_ ? static_cast<double>(sum_ns_) / static_cast<double>(total_) / 1000.0 : 0;
  }
  double MaxUs() const { return static_cast<double>(max_ns_) / 1000.0; }

 private:
  static constexpr int kSubBits = 6;
  static constexpr uint64_t kSub = 1 << kSubBits;
  static constexpr size_t kBuckets = (64 - kSubBits + 1) * kSub;

  static size_t Bucket(uint64_t v) {
    if (v < 2 * kSub) return v;
    int e = std::bit_width(v) - 1 - kSubBits;
    return e * kSub + (v >> e);
  }

  static double Midpoint(size_t b) {
    if (b < 2 * kSub) return static_cast<double>(b);
    uint64_t e = b / kSub - 1;
    uint64_t m = b - e * kSub;
    return static_cast<double>(m << e) + static_cast<double>(uint64_t{1} << e) / 2;
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
  uint64_t sum_ns_ = 0;
  uint64_t max_ns_ = 0;
};

struct Counters {
  uint64_t gets = 0, sets = 0, hits = 0, misses = 0;
  uint64_t errors = 0, oom_errors = 0, wrong_values = 0, round_trips = 0;
  std::string first_error;
  Histogram latency;

  void Merge(const Counters& o) {
    gets += o.gets;
    sets += o.sets;
    hits += o.hits;
    misses += o.misses;
    errors += o.errors;
    oom_errors += o.oom_errors;
    wrong_values += o.wrong_values;
    round_trips += o.round_trips;
    if (first_error.empty()) first_error = o.first_error;
    latency.Merge(o.latency);
  }
};

constexpr size_t kIdChars = 16;  // hex digits of a key id

void FormatHex(uint64_t id, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = kIdChars; i-- > 0; id >>= 4) out[i] = kDigits[id & 15];
}

// What the reader callbacks made of the last reply. Strings are inspected inside the callback:
// hiredis may compact its buffer before redisReaderGetReply returns.
struct ReplyView {
  // Set before reading a GET reply: the value a hit must carry.
  uint64_t expect_id = 0;
  uint64_t expect_len = 0;

  int type = 0;
  bool value_ok = false;
  char error[128];  // the start of an error reply
  size_t error_len = 0;
};

void* OnString(const redisReadTask* task, char* str, size_t len) {
  auto* v = static_cast<ReplyView*>(task->privdata);
  v->type = task->type;
  if (task->type == REDIS_REPLY_STRING) {
    char hex[kIdChars];
    FormatHex(v->expect_id, hex);
    v->value_ok = len == v->expect_len && std::memcmp(str, hex, std::min(len, kIdChars)) == 0;
  } else if (task->type == REDIS_REPLY_ERROR) {
    v->error_len = std::min(len, sizeof(v->error));
    std::memcpy(v->error, str, v->error_len);
  }
  return v;
}
void* OnArray(const redisReadTask* task, int) {
  auto* v = static_cast<ReplyView*>(task->privdata);
  v->type = REDIS_REPLY_ARRAY;
  return v;
}
void* OnInteger(const redisReadTask* task, long long) {
  auto* v = static_cast<ReplyView*>(task->privdata);
  v->type = REDIS_REPLY_INTEGER;
  return v;
}
void* OnNil(const redisReadTask* task) {
  auto* v = static_cast<ReplyView*>(task->privdata);
  v->type = REDIS_REPLY_NIL;
  return v;
}
void OnFree(void*) {}

redisReplyObjectFunctions kReplyFunctions = {OnString, OnArray, OnInteger, OnNil, OnFree};

void AppendHex(std::string* out, uint64_t id) {
  char buf[kIdChars];
  FormatHex(id, buf);
  out->append(buf, kIdChars);
}

void AppendBulkHeader(std::string* out, uint64_t len) {
  char buf[24];
  buf[0] = '$';
  char* end = std::to_chars(buf + 1, buf + sizeof(buf), len).ptr;
  out->append(buf, end);
  out->append("\r\n", 2);
}

class Client {
 public:
  Client(const Options& o, const ZipfTable& zipf, int index)
      : o_(o),
        zipf_(zipf),
        rng_(o.seed * 0x100000001b3ULL + static_cast<uint64_t>(index)),
        filler_(o.value_max, 'v'),
        read_buf_(64 * 1024) {
    ctx_ = redisConnectWithTimeout(o.host.c_str(), o.port, timeval{5, 0});
    if (ctx_ == nullptr || ctx_->err) {
      Fatal("connect to " + o.host + ":" + std::to_string(o.port) + ": " +
            (ctx_ ? ctx_->errstr : "out of memory"));
    }
    // A server that stops answering must not hang the benchmark forever.
    if (redisSetTimeout(ctx_, timeval{60, 0}) != REDIS_OK) Fatal("setting the socket timeout");
    reader_ = redisReaderCreateWithFunctions(&kReplyFunctions);
    if (reader_ == nullptr) Fatal("out of memory");
    reader_->privdata = &reply_;
    reader_->maxbuf = 0;  // keep the buffer between replies instead of reallocating it
    // Sized for a round of SETs, so that the buffer never grows while measuring (unless that
    // is huge: then it grows a few times at the start).
    size_t key_len = o.key_prefix.size() + kIdChars;
    out_.reserve(std::min<size_t>(o.pipeline * (o.value_max + key_len + 64), size_t{64} << 20));
    ids_.reserve(o.pipeline);
    misses_.reserve(o.pipeline);
  }

  ~Client() {
    redisReaderFree(reader_);
    redisFree(ctx_);
  }

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Runs `lookups` cache lookups, stopping early at `deadline`.
  void Run(uint64_t lookups, Clock::time_point deadline, Counters* c) {
    bool timed = deadline != Clock::time_point::max();
    for (uint64_t done = 0; done < lookups;) {
      if (timed && Clock::now() >= deadline) break;
      uint64_t batch = std::min<uint64_t>(o_.pipeline, lookups - done);
      Round(batch, c);
      done += batch;
    }
  }

 private:
  uint64_t ValueSize(uint64_t id) const {
    uint64_t span = o_.value_max - o_.value_min + 1;
    return o_.value_min + Mix64(id) % span;
  }

  void AppendKey(uint64_t id) {
    AppendBulkHeader(&out_, o_.key_prefix.size() + kIdChars);
    out_.append(o_.key_prefix);
    AppendHex(&out_, id);
    out_.append("\r\n", 2);
  }

  // The value starts with the key id (as far as it fits), so a hit can be checked.
  void AppendValue(uint64_t id) {
    uint64_t size = ValueSize(id);
    AppendBulkHeader(&out_, size);
    size_t start = out_.size();
    AppendHex(&out_, id);
    out_.resize(start + std::min<uint64_t>(size, kIdChars));
    if (size > kIdChars) out_.append(filler_.data(), size - kIdChars);
    out_.append("\r\n", 2);
  }

  void Round(uint64_t batch, Counters* c) {
    out_.clear();
    ids_.resize(batch);
    for (uint64_t i = 0; i < batch; ++i) {
      ids_[i] = Mix64(zipf_.Draw(rng_.Uniform()));
      out_.append("*2\r\n$3\r\nGET\r\n", 13);
      AppendKey(ids_[i]);
    }
    auto t0 = Clock::now();
    WriteAll();
    misses_.clear();
    for (uint64_t i = 0; i < batch; ++i) {
      reply_.expect_id = ids_[i];
      reply_.expect_len = ValueSize(ids_[i]);
      ReadReply();
      switch (reply_.type) {
        case REDIS_REPLY_STRING:
          ++c->hits;
          if (!reply_.value_ok) ++c->wrong_values;
          break;
        case REDIS_REPLY_NIL:
          ++c->misses;
          misses_.push_back(ids_[i]);
          break;
        default:
          CountError(c);
      }
    }
    Finish(t0, batch, c);
    c->gets += batch;
    if (misses_.empty()) return;

    out_.clear();
    for (uint64_t id : misses_) {
      out_.append("*3\r\n$3\r\nSET\r\n", 13);
      AppendKey(id);
      AppendValue(id);
    }
    t0 = Clock::now();
    WriteAll();
    for (size_t i = 0; i < misses_.size(); ++i) {
      ReadReply();
      if (reply_.type != REDIS_REPLY_STATUS) CountError(c);
    }
    Finish(t0, misses_.size(), c);
    c->sets += misses_.size();
  }

  void CountError(Counters* c) {
    std::string_view msg;
    if (reply_.type == REDIS_REPLY_ERROR) msg = {reply_.error, reply_.error_len};
    if (msg.starts_with("OOM ")) {
      ++c->oom_errors;
      return;
    }
    ++c->errors;
    if (c->first_error.empty()) {
      c->first_error =
          msg.empty() ? "unexpected reply type " + std::to_string(reply_.type) : std::string(msg);
    }
  }

  // Every request of a round trip is charged the round trip's latency.
  static void Finish(Clock::time_point t0, uint64_t requests, Counters* c) {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
    c->latency.Record(static_cast<uint64_t>(ns), requests);
    ++c->round_trips;
  }

  void WriteAll() {
    const char* p = out_.data();
    size_t left = out_.size();
    while (left > 0) {
      ssize_t n = send(ctx_->fd, p, left, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) Fatal(std::string("write: ") + std::strerror(errno));
      p += n;
      left -= static_cast<size_t>(n);
    }
  }

  void ReadReply() {
    for (;;) {
      void* r = nullptr;
      if (redisReaderGetReply(reader_, &r) != REDIS_OK) {
        Fatal(std::string("protocol error: ") + reader_->errstr);
      }
      if (r != nullptr) return;
      ssize_t n = read(ctx_->fd, read_buf_.data(), read_buf_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) Fatal("server closed the connection");
      if (n < 0) Fatal(std::string("read: ") + std::strerror(errno));
      if (redisReaderFeed(reader_, read_buf_.data(), static_cast<size_t>(n)) != REDIS_OK) {
        Fatal(std::string("protocol error: ") + reader_->errstr);
      }
    }
  }

  const Options& o_;
  const ZipfTable& zipf_;
  Rng rng_;
  std::string filler_;
  std::vector<char> read_buf_;
  redisContext* ctx_ = nullptr;
  redisReader* reader_ = nullptr;
  ReplyView reply_;
  std::string out_;
  std::vector<uint64_t> ids_;
  std::vector<uint64_t> misses_;
};

uint64_t Share(uint64_t total, int clients, int index) {
  uint64_t n = total / static_cast<uint64_t>(clients);
  return n + (static_cast<uint64_t>(index) < total % static_cast<uint64_t>(clients) ? 1 : 0);
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20 || ch >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", ch);
      out += buf;
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out + "\"";
}

void Report(const Options& o, const Counters& c, double seconds) {
  uint64_t requests = c.gets + c.sets;
  std::printf(
      "{\"host\": %s, \"port\": %d, \"clients\": %d, \"pipeline\": %d, \"keys\": %llu, "
      "\"zipf\": %g, \"value_min\": %llu, \"value_max\": %llu, \"seed\": %llu, "
      "\"warmup_requests\": %llu,\n"
      " \"seconds\": %.3f, \"requests\": %llu, \"gets\": %llu, \"sets\": %llu, \"hits\": %llu, "
      "\"misses\": %llu, \"hit_ratio\": %.6f, \"ops_per_sec\": %.1f, \"round_trips\": %llu,\n"
      " \"p50_us\": %.1f, \"p99_us\": %.1f, \"p999_us\": %.1f, \"mean_us\": %.1f, "
      "\"max_us\": %.1f,\n"
      " \"errors\": %llu, \"oom_errors\": %llu, \"wrong_values\": %llu, \"first_error\": %s}\n",
      JsonString(o.host).c_str(), o.port, o.clients, o.pipeline,
      static_cast<unsigned long long>(o.keys), o.zipf, static_cast<unsigned long long>(o.value_min),
      static_cast<unsigned long long>(o.value_max), static_cast<unsigned long long>(o.seed),
      static_cast<unsigned long long>(o.warmup_requests), seconds,
      static_cast<unsigned long long>(requests), static_cast<unsigned long long>(c.gets),
      static_cast<unsigned long long>(c.sets), static_cast<unsigned long long>(c.hits),
      static_cast<unsigned long long>(c.misses),
      c.gets ? static_cast<double>(c.hits) / static_cast<double>(c.gets) : 0.0,
      seconds > 0 ? static_cast<double>(requests) / seconds : 0.0,
      static_cast<unsigned long long>(c.round_trips), c.latency.PercentileUs(0.50),
      c.latency.PercentileUs(0.99), c.latency.PercentileUs(0.999), c.latency.MeanUs(),
      c.latency.MaxUs(), static_cast<unsigned long long>(c.errors),
      static_cast<unsigned long long>(c.oom_errors),
      static_cast<unsigned long long>(c.wrong_values), JsonString(c.first_error).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseOptions(argc, argv);
  ZipfTable zipf(o.keys, o.zipf);

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < o.clients; ++i) clients.push_back(std::make_unique<Client>(o, zipf, i));

  // The measured phase starts for every client at once, after all warm-ups have finished.
  Clock::time_point start, deadline = Clock::time_point::max();
  auto on_start = [&]() noexcept {
    start = Clock::now();
    if (o.duration > 0) {
      deadline = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(o.duration));
    }
  };
  std::barrier sync(o.clients, on_start);
  std::vector<Counters> counters(o.clients);
  std::vector<Clock::time_point> ends(o.clients);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < o.clients; ++i) {
      threads.emplace_back([&, i] {
        auto scratch = std::make_unique<Counters>();
        clients[i]->Run(Share(o.warmup_requests, o.clients, i), Clock::time_point::max(),
                        scratch.get());
        sync.arrive_and_wait();
        uint64_t lookups = o.requests ? Share(o.requests, o.clients, i) : UINT64_MAX;
        clients[i]->Run(lookups, deadline, &counters[i]);
        ends[i] = Clock::now();
      });
    }
  }
  Counters total;
  for (const Counters& c : counters) total.Merge(c);
  double seconds =
      std::chrono::duration<double>(*std::max_element(ends.begin(), ends.end()) - start).count();
  Report(o, total, seconds);
  return 0;
}
