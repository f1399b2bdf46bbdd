// A value-codec sink for the unit tests (persistence/rdb_value.h `Sink`): keeps everything
// flushed and counts the flushes, the largest one, and the big strings written past the buffer.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "persistence/rdb_value.h"

namespace shoal::rdb {

struct CountingSink : Sink {
  explicit CountingSink(size_t at) : Sink(at) {}
  void Flush() override {
    all += buf_;
    max_flush = std::max(max_flush, buf_.size());
    buf_.clear();
    ++flushes;
  }
  void WriteLarge(std::string_view bytes) override {
    Flush();
    all.append(bytes);
    ++large;
  }
  std::string all;
  size_t max_flush = 0;
  int flushes = 0;
  int large = 0;
};

}  // namespace shoal::rdb
