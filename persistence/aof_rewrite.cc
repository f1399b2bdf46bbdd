// The AOF rewrite's commands for one key (aof_rewrite.h), written into a Sink: the RESP framing
// of rio.c's rioWriteBulkCount / rioWriteBulkString / rioWriteBulkLongLong / rioWriteBulkDouble,
// and the chunking of aof.c's rewrite*Object helpers.
#include "persistence/aof_rewrite.h"

#include <algorithm>
#include <string_view>

#include "base/numbers.h"
#include "shard/intset.h"
#include "shard/listpack.h"
#include "shard/quicklist.h"
#include "shard/str_map.h"
#include "shard/stream.h"
#include "shard/zset.h"

namespace shoal::rdb {

namespace {

// rioWriteBulkCount: "<prefix><n>\r\n".
void AppendCount(char prefix, uint64_t n, std::string* out) {
  char buf[kInt64BufSize];
  out->push_back(prefix);
  out->append(buf, FormatUint64(n, buf));
  out->append("\r\n");
}

// rioWriteBulkString.
void AppendBulk(std::string_view s, std::string* out) {
  AppendCount('$', s.size(), out);
  out->append(s);
  out->append("\r\n");
}

// rioWriteBulkLongLong: the ll2string digits as a bulk string.
void AppendBulkInt(int64_t v, std::string* out) {
  char buf[kInt64BufSize];
  AppendBulk(std::string_view(buf, FormatInt64(v, buf)), out);
}

// rioWriteBulkDouble: snprintf("%.17g"), which prints infinities as "inf" / "-inf" as
// FormatDouble does (a score is never NaN).
void AppendBulkDouble(double d, std::string* out) {
  char buf[kDoubleBufSize];
  AppendBulk(std::string_view(buf, FormatDouble(d, buf)), out);
}

// A listpack element as rioWriteBulkString (strings) or rioWriteBulkLongLong (integers) writes it.
void AppendBulkElem(const lp::Elem& e, std::string* out) {
  if (e.is_int) {
    AppendBulkInt(e.ival, out);
  } else {
    AppendBulk(e.sval, out);
  }
}

// The command framing shared by the rewrite*Object helpers: before the first item of every group
// of kAofRewriteItemsPerCmd, the header of a command holding min(left, 64) items; after each
// item, the count moves on and the sink may flush.
class CommandChunks {
 public:
  // items: the collection's size; args_per_item: 1 (RPUSH, SADD) or 2 (ZADD, HMSET).
  CommandChunks(Sink& sink, std::string_view name, std::string_view key, size_t items,
                size_t args_per_item)
      : sink_(sink), name_(name), key_(key), left_(items), args_per_item_(args_per_item) {}

  // Call before writing an item's arguments into out().
  void BeginItem() {
    if (count_ != 0) return;
    const size_t cmd_items = std::min(left_, kAofRewriteItemsPerCmd);
    AppendCount('*', 2 + cmd_items * args_per_item_, &out());
    AppendBulk(name_, &out());
    AppendBulk(key_, &out());
  }
  // Call after writing an item's arguments.
  void EndItem() {
    if (++count_ == kAofRewriteItemsPerCmd) count_ = 0;
    if (left_ > 0) --left_;
    sink_.Check();
  }
  std::string& out() { return sink_.buf(); }

 private:
  Sink& sink_;
  std::string_view name_;
  std::string_view key_;
  size_t left_;
  size_t args_per_item_;
  size_t count_ = 0;
};

void EncodeString(const Entry* e, Sink& sink) {
  std::string& out = sink.buf();
  out.append("*3\r\n$3\r\nSET\r\n");
  AppendBulk(e->key(), &out);
  if (e->enc() == ObjEnc::kInt) {
    AppendBulkInt(e->int_value(), &out);
    return;
  }
  const std::string_view v = e->str_value();
  if (v.size() < Sink::kLargeString) {
    AppendBulk(v, &out);
    return;
  }
  AppendCount('$', v.size(), &out);
  sink.WriteLarge(v);
  sink.buf().append("\r\n");
}

// rewriteListObject: head to tail, node by node.
void EncodeList(const Entry* e, Sink& sink) {
  const auto* ql = static_cast<const QuickList*>(e->object());
  CommandChunks cmd(sink, "RPUSH", e->key(), ql->Size(), 1);
  ql->ForEachNode([&](const uint8_t* node) {
    auto* lp = const_cast<uint8_t*>(node);  // read only: lp::First/Next take mutable positions
    for (uint8_t* p = lp::First(lp); p != nullptr; p = lp::Next(lp, p)) {
      cmd.BeginItem();
      AppendBulkElem(lp::Get(p), &cmd.out());
      cmd.EndItem();
    }
  });
}

// rewriteSetObject: an intset in ascending order, a hashtable in its iteration order.
void EncodeSet(const Entry* e, Sink& sink) {
  if (e->enc() == ObjEnc::kIntSet) {
    const auto* is = static_cast<const uint8_t*>(e->object());
    const uint32_t n = intset::Length(is);
    CommandChunks cmd(sink, "SADD", e->key(), n, 1);
    for (uint32_t i = 0; i < n; ++i) {
      cmd.BeginItem();
      AppendBulkInt(intset::Get(is, i), &cmd.out());
      cmd.EndItem();
    }
    return;
  }
  const auto* map = static_cast<const StrMap*>(e->object());
  CommandChunks cmd(sink, "SADD", e->key(), map->size(), 1);
  map->ForEach([&](std::string_view member, std::string_view) {
    cmd.BeginItem();
    AppendBulk(member, &cmd.out());
    cmd.EndItem();
  });
}

// rewriteSortedSetObject: score then member.
void EncodeZSet(const Entry* e, Sink& sink) {
  if (e->enc() == ObjEnc::kListPack) {
    auto* lp = static_cast<uint8_t*>(e->object());
    CommandChunks cmd(sink, "ZADD", e->key(), zlp::Length(lp), 2);
    for (uint8_t* eptr = lp::First(lp); eptr != nullptr;) {
      uint8_t* sptr = lp::Next(lp, eptr);
      cmd.BeginItem();
      AppendBulkDouble(zlp::ScoreAt(sptr), &cmd.out());
      AppendBulkElem(lp::Get(eptr), &cmd.out());
      cmd.EndItem();
      eptr = lp::Next(lp, sptr);
    }
    return;
  }
  const auto* zs = static_cast<const ZSet*>(e->object());
  CommandChunks cmd(sink, "ZADD", e->key(), zs->size(), 2);
  for (const ZSet::Node* n = zs->First(); n != nullptr; n = n->next()) {
    cmd.BeginItem();
    AppendBulkDouble(n->score(), &cmd.out());
    AppendBulk(n->member(), &cmd.out());
    cmd.EndItem();
  }
}

// rewriteHashObject: field then value.
void EncodeHash(const Entry* e, Sink& sink) {
  if (e->enc() == ObjEnc::kListPack) {
    auto* lp = static_cast<uint8_t*>(e->object());
    CommandChunks cmd(sink, "HMSET", e->key(), lp::Length(lp) / 2, 2);
    for (uint8_t* f = lp::First(lp); f != nullptr;) {
      uint8_t* v = lp::Next(lp, f);
      cmd.BeginItem();
      AppendBulkElem(lp::Get(f), &cmd.out());
      AppendBulkElem(lp::Get(v), &cmd.out());
      cmd.EndItem();
      f = lp::Next(lp, v);
    }
    return;
  }
  const auto* map = static_cast<const StrMap*>(e->object());
  CommandChunks cmd(sink, "HMSET", e->key(), map->size(), 2);
  map->ForEach([&](std::string_view field, std::string_view value) {
    cmd.BeginItem();
    AppendBulk(field, &cmd.out());
    AppendBulk(value, &cmd.out());
    cmd.EndItem();
  });
}

// rioWriteBulkStreamID.
void AppendBulkID(StreamID id, std::string* out) { AppendBulk(StreamIDString(id), out); }

// rewriteStreamObject: one XADD per entry (an empty stream: XADD MAXLEN 0 0-1 x y), XSETID with
// ENTRIESADDED and MAXDELETEDID, then per group XGROUP CREATE ... ENTRIESREAD and, per consumer,
// XCLAIM ... FORCE for each pending entry or XGROUP CREATECONSUMER when it has none.
void EncodeStream(const Entry* e, Sink& sink) {
  auto* s = static_cast<Stream*>(e->object());
  std::string_view key = e->key();
  if (s->length() > 0) {
    Stream::Iterator it(*s, StreamID::Min(), StreamID::Max(), false);
    StreamID id;
    int64_t nf;
    while (it.Next(&id, &nf)) {
      std::string& out = sink.buf();
      AppendCount('*', 3 + static_cast<uint64_t>(nf) * 2, &out);
      AppendBulk("XADD", &out);
      AppendBulk(key, &out);
      AppendBulkID(id, &out);
      while (nf--) {
        std::string_view f, v;
        it.Field(&f, &v);
        AppendBulk(f, &out);
        AppendBulk(v, &out);
      }
      sink.Check();
    }
  } else {
    std::string& out = sink.buf();
    AppendCount('*', 7, &out);
    for (std::string_view a :
         {std::string_view("XADD"), key, std::string_view("MAXLEN"), std::string_view("0"),
          std::string_view("0-1"), std::string_view("x"), std::string_view("y")})
      AppendBulk(a, &out);
  }
  std::string& out = sink.buf();
  AppendCount('*', 7, &out);
  AppendBulk("XSETID", &out);
  AppendBulk(key, &out);
  AppendBulkID(s->last_id(), &out);
  AppendBulk("ENTRIESADDED", &out);
  AppendBulkInt(static_cast<int64_t>(s->entries_added()), &out);
  AppendBulk("MAXDELETEDID", &out);
  AppendBulkID(s->max_deleted_entry_id(), &out);
  for (const auto& [name, cg] : s->groups()) {
    std::string& o = sink.buf();
    AppendCount('*', 7, &o);
    AppendBulk("XGROUP", &o);
    AppendBulk("CREATE", &o);
    AppendBulk(key, &o);
    AppendBulk(name, &o);
    AppendBulkID(cg->last_id, &o);
    AppendBulk("ENTRIESREAD", &o);
    AppendBulkInt(cg->entries_read, &o);
    for (const auto& [cname, c] : cg->consumers) {
      if (c->pel.empty()) {
        std::string& oc = sink.buf();
        AppendCount('*', 5, &oc);
        AppendBulk("XGROUP", &oc);
        AppendBulk("CREATECONSUMER", &oc);
        AppendBulk(key, &oc);
        AppendBulk(name, &oc);
        AppendBulk(cname, &oc);
        continue;
      }
      for (const auto& [id, nack] : c->pel) {
        std::string& oc = sink.buf();
        AppendCount('*', 12, &oc);
        AppendBulk("XCLAIM", &oc);
        AppendBulk(key, &oc);
        AppendBulk(name, &oc);
        AppendBulk(cname, &oc);
        AppendBulk("0", &oc);
        AppendBulkID(id, &oc);
        AppendBulk("TIME", &oc);
        AppendBulkInt(static_cast<int64_t>(nack->delivery_time), &oc);
        AppendBulk("RETRYCOUNT", &oc);
        AppendBulkInt(static_cast<int64_t>(nack->delivery_count), &oc);
        AppendBulk("JUSTID", &oc);
        AppendBulk("FORCE", &oc);
        sink.Check();
      }
    }
    sink.Check();
  }
}

}  // namespace

void EncodeCommands(const Entry* e, int64_t expire_ms, Sink& sink) {
  switch (e->type()) {
    case ObjType::kString:
      EncodeString(e, sink);
      break;
    case ObjType::kList:
      EncodeList(e, sink);
      break;
    case ObjType::kSet:
      EncodeSet(e, sink);
      break;
    case ObjType::kZSet:
      EncodeZSet(e, sink);
      break;
    case ObjType::kHash:
      EncodeHash(e, sink);
      break;
    case ObjType::kStream:
      EncodeStream(e, sink);
      break;
  }
  if (expire_ms != 0) {
    std::string& out = sink.buf();
    out.append("*3\r\n$9\r\nPEXPIREAT\r\n");
    AppendBulk(e->key(), &out);
    AppendBulkInt(expire_ms, &out);
  }
}

void AppendSelect(unsigned db, std::string* out) {
  out->append("*2\r\n$6\r\nSELECT\r\n");
  AppendBulkInt(db, out);
}

}  // namespace shoal::rdb
