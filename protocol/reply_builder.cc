#include "protocol/reply_builder.h"

#include "base/numbers.h"

namespace shoal::protocol {

void ReplyBuilder::Ok() { out_->append("+OK\r\n", 5); }

void ReplyBuilder::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Error(std::string_view msg) {
  // sdstrim(s, "\r\n") followed by sdsmapchars(s, "\r\n", "  ", 2).
  size_t begin = 0;
  size_t end = msg.size();
  while (begin < end && (msg[begin] == '\r' || msg[begin] == '\n')) ++begin;
  while (end > begin && (msg[end - 1] == '\r' || msg[end - 1] == '\n')) --end;
  msg = msg.substr(begin, end - begin);
  if (msg.empty() || msg[0] != '-') out_->push_back('-');
  const size_t start = out_->size();
  out_->append(msg);
  for (size_t i = start; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyBuilder::Integer(int64_t v) {
  char buf[kInt64BufSize + 3];
  buf[0] = ':';
  size_t n = FormatInt64(v, buf + 1);
  buf[n + 1] = '\r';
  buf[n + 2] = '\n';
  out_->append(buf, n + 3);
}

void ReplyBuilder::Bulk(std::string_view s) {
  char header[kInt64BufSize + 3];
  header[0] = '$';
  size_t n = FormatUint64(s.size(), header + 1);
  header[n + 1] = '\r';
  header[n + 2] = '\n';
  const size_t total = n + 3 + s.size() + 2;
  if (out_->capacity() - out_->size() < total) out_->reserve(out_->size() + total);
  out_->append(header, n + 3);
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Null() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyBuilder::NullArray() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyBuilder::AggregateHeader(char prefix, size_t n) {
  char header[kInt64BufSize + 3];
  header[0] = prefix;
  size_t len = FormatUint64(n, header + 1);
  header[len + 1] = '\r';
  header[len + 2] = '\n';
  out_->append(header, len + 3);
}

void ReplyBuilder::Array(size_t n) { AggregateHeader('*', n); }

void ReplyBuilder::Map(size_t n) {
  if (resp_ >= 3) {
    AggregateHeader('%', n);
  } else {
    AggregateHeader('*', n * 2);
  }
}

void ReplyBuilder::Set(size_t n) { AggregateHeader(resp_ >= 3 ? '~' : '*', n); }

void ReplyBuilder::Push(size_t n) { AggregateHeader(resp_ >= 3 ? '>' : '*', n); }

void ReplyBuilder::Double(double d) {
  char buf[kDoubleBufSize];
  DoubleRepr(std::string_view(buf, FormatDouble(d, buf)));
}

void ReplyBuilder::DoubleRepr(std::string_view repr) {
  if (resp_ >= 3) {
    out_->push_back(',');
    out_->append(repr);
    out_->append("\r\n", 2);
  } else {
    Bulk(repr);
  }
}

void ReplyBuilder::Bool(bool b) {
  if (resp_ >= 3) {
    out_->append(b ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(b ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::Verbatim(std::string_view text, std::string_view type) {
  if (resp_ < 3) {
    Bulk(text);
    return;
  }
  char header[kInt64BufSize + 7];
  header[0] = '=';
  size_t n = FormatUint64(text.size() + 4, header + 1) + 1;
  header[n++] = '\r';
  header[n++] = '\n';
  for (size_t i = 0; i < 3; ++i) header[n++] = i < type.size() ? type[i] : ' ';
  header[n++] = ':';
  out_->append(header, n);
  out_->append(text);
  out_->append("\r\n", 2);
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (resp_ < 3) {
    Bulk(digits);
    return;
  }
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n", 2);
}

void ReplyBuilder::BulkArray(const std::vector<std::string_view>& items) {
  Array(items.size());
  for (std::string_view item : items) Bulk(item);
}

}  // namespace shoal::protocol
