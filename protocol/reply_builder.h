// RESP2 / RESP3 reply serialization (numbers are written by base/numbers.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::protocol {

// Appends replies to a caller-owned string. The builder never clears or shrinks `out`.
class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out, int resp = 2) : out_(out), resp_(resp) {}

  void set_resp(int resp) { resp_ = resp; }
  int resp() const { return resp_; }
  std::string* out() { return out_; }

  void Ok();                        // +OK
  void Simple(std::string_view s);  // +s (written as is, like addReplyStatusLength)
  // "-" + msg + "\r\n". `msg` carries its error code ("ERR syntax error", "WRONGTYPE ...").
  // Like addReplyErrorFormat: leading/trailing '\r'/'\n' are trimmed and any other '\r'/'\n'
  // becomes a space. A msg that already starts with '-' is not given a second one.
  void Error(std::string_view msg);
  void Integer(int64_t v);                 // :v
  void Bulk(std::string_view s);           // $len s
  void Null();                             // RESP2 $-1, RESP3 _
  void NullArray();                        // RESP2 *-1, RESP3 _
  void Array(size_t n);                    // *n
  void Map(size_t n);                      // RESP3 %n, RESP2 *2n
  void Set(size_t n);                      // RESP3 ~n, RESP2 *n
  void Push(size_t n);                     // RESP3 >n, RESP2 *n
  void Double(double d);                   // RESP3 ,repr  RESP2 bulk repr (repr = FormatDouble(d))
  void DoubleRepr(std::string_view repr);  // the same with a repr already formatted
  void Bool(bool b);                       // RESP3 #t/#f, RESP2 :1/:0
  // RESP3 "=len\r\nttt:text" where ttt is `type` truncated / space padded to 3 bytes (as
  // addReplyVerbatim); RESP2 a plain bulk of `text`.
  void Verbatim(std::string_view text, std::string_view type = "txt");
  void BigNumber(std::string_view digits);                     // RESP3 (digits, RESP2 bulk
  void BulkArray(const std::vector<std::string_view>& items);  // *n followed by n bulks

 private:
  void AggregateHeader(char prefix, size_t n);

  std::string* out_;
  int resp_;
};

}  // namespace shoal::protocol
