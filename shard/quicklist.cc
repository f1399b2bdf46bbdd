// QuickList implementation: node management (limits, split, merge) and positional operations.
#include "shard/quicklist.h"

#include <algorithm>

#include "shard/alloc.h"
#include "shard/listpack.h"

namespace shoal {

struct QuickList::Node {
  Node* prev;
  Node* next;
  uint8_t* lp;
};

namespace {

// Listpack bytes per node for fill -1..-5 (Redis's optimization_level).
constexpr size_t kSizeLimits[] = {4096, 8192, 16384, 32768, 65536};
// With a positive (count) fill a node still stays below this many bytes (SIZE_SAFETY_LIMIT),
// unless it holds one element.
constexpr size_t kSafetyLimit = 8192;
// Redis clamps positive fills to FILL_MAX.
constexpr int kFillMax = (1 << 15) - 1;

// Bytes of an empty listpack (header and end marker), shared by every node.
size_t EmptyLpBytes() {
  static const size_t bytes = [] {
    uint8_t* lp = lp::New();
    size_t b = lp::Bytes(lp);
    lp::Free(lp);
    return b;
  }();
  return bytes;
}

// Whether a node of `bytes` listpack bytes and `count` elements is within the fill's limit.
bool WithinLimit(int fill, size_t bytes, size_t count) {
  if (fill < 0) return bytes <= kSizeLimits[-fill - 1];
  return bytes <= kSafetyLimit && count <= static_cast<size_t>(std::max(fill, 1));
}

uint8_t* AppendElem(uint8_t* lp, const uint8_t* p) {
  lp::Elem e = lp::Get(p);
  return e.is_int ? lp::AppendInt(lp, e.ival) : lp::Append(lp, e.sval);
}

}  // namespace

QuickList::QuickList(int fill) : fill_(std::clamp(fill, -5, kFillMax)) {}

QuickList::~QuickList() {
  Node* n = head_;
  while (n != nullptr) {
    Node* next = n->next;
    FreeNode(n);
    n = next;
  }
}

QuickList::QuickList(const QuickList& other) : count_(other.count_), fill_(other.fill_) {
  for (const Node* n = other.head_; n != nullptr; n = n->next)
    LinkAfter(NewNode(lp::Clone(n->lp)), tail_);
}

size_t QuickList::MallocSize() const {
  size_t s = sizeof(QuickList);
  for (const Node* n = head_; n != nullptr; n = n->next)
    s += mem::UsableSize(n) + lp::MallocSize(n->lp);
  return s;
}

size_t QuickList::HeadNodesBytes(size_t nodes, size_t* elems) const {
  size_t bytes = 0;
  *elems = 0;
  for (const Node* n = head_; n != nullptr && nodes > 0; n = n->next, --nodes) {
    bytes += mem::UsableSize(n) + lp::MallocSize(n->lp);
    *elems += lp::Length(n->lp);
  }
  return bytes;
}

bool QuickList::Validate() const {
  size_t elems = 0;
  uint32_t nodes = 0;
  const Node* prev = nullptr;
  for (const Node* n = head_; n != nullptr; prev = n, n = n->next) {
    uint32_t len = lp::Length(n->lp);
    if (n->prev != prev || len == 0) return false;
    if (len > 1 && !WithinLimit(fill_, lp::Bytes(n->lp), len)) return false;
    elems += len;
    ++nodes;
  }
  return prev == tail_ && elems == count_ && nodes == nodes_;
}

// ---- Node management ----

QuickList::Node* QuickList::NewNode(uint8_t* lp) {
  Node* n = static_cast<Node*>(mem::Malloc(sizeof(Node)));
  n->prev = n->next = nullptr;
  n->lp = lp;
  return n;
}

void QuickList::FreeNode(Node* n) {
  lp::Free(n->lp);
  mem::Free(n);
}

void QuickList::LinkAfter(Node* n, Node* prev) {
  n->prev = prev;
  n->next = prev != nullptr ? prev->next : head_;
  if (n->next != nullptr)
    n->next->prev = n;
  else
    tail_ = n;
  if (prev != nullptr)
    prev->next = n;
  else
    head_ = n;
  ++nodes_;
}

void QuickList::Unlink(Node* n) {
  if (n->prev != nullptr)
    n->prev->next = n->next;
  else
    head_ = n->next;
  if (n->next != nullptr)
    n->next->prev = n->prev;
  else
    tail_ = n->prev;
  --nodes_;
}

bool QuickList::AllowInsert(const Node* n, size_t bytes) const {
  return WithinLimit(fill_, lp::Bytes(n->lp) + bytes, lp::Length(n->lp) + 1);
}

bool QuickList::AllowMerge(const Node* a, const Node* b) const {
  return WithinLimit(fill_, lp::Bytes(a->lp) + lp::Bytes(b->lp) - EmptyLpBytes(),
                     size_t{lp::Length(a->lp)} + lp::Length(b->lp));
}

QuickList::Node* QuickList::Split(Node* n, uint32_t offset) {
  Node* r = NewNode(lp::New());
  for (uint8_t* p = lp::Seek(n->lp, offset); p != nullptr; p = lp::Next(n->lp, p))
    r->lp = AppendElem(r->lp, p);
  n->lp = lp::DeleteRange(n->lp, offset, lp::Length(n->lp) - offset);
  LinkAfter(r, n);
  return r;
}

void QuickList::Merge(Node* a, Node* b, Iterator* it) {
  uint32_t a_len = lp::Length(a->lp);
  for (uint8_t* p = lp::First(b->lp); p != nullptr; p = lp::Next(b->lp, p))
    a->lp = AppendElem(a->lp, p);
  Unlink(b);
  FreeNode(b);
  if (it == nullptr || it->pos_ == nullptr) return;
  if (it->node_ == b) {
    it->node_ = a;
    it->offset_ += a_len;
  }
  // a's listpack may have moved even when the iterator was on it.
  if (it->node_ == a) it->pos_ = lp::Seek(a->lp, it->offset_);
}

void QuickList::TryMergeAround(Node* n, Iterator* it) {
  if (n->prev != nullptr && AllowMerge(n->prev, n))
    Merge(n->prev, n, it);
  else if (n->next != nullptr && AllowMerge(n, n->next))
    Merge(n, n->next, it);
}

// ---- Whole nodes ----

void QuickList::ForEachNode(absl::FunctionRef<void(const uint8_t* lp)> fn) const {
  for (const Node* n = head_; n != nullptr; n = n->next) fn(n->lp);
}

void QuickList::AppendListpack(uint8_t* lp) {
  const uint32_t len = lp::Length(lp);
  if (len == 0) return lp::Free(lp);
  if (len == 1 || WithinLimit(fill_, lp::Bytes(lp), len)) {
    LinkAfter(NewNode(lp), tail_);
    count_ += len;
    return;
  }
  char scratch[32];
  for (uint8_t* p = lp::First(lp); p != nullptr; p = lp::Next(lp, p))
    Push(End::kTail, lp::Get(p).Str(scratch));
  lp::Free(lp);
}

// ---- Ends ----

// A new end node after a full one: the list grows at that end, so the node gets the full node's
// size up front (within the fill's byte limit) and fills in place. Grown by one realloc per push
// instead, a node passed through every size class on its way to 8 KB, each step freeing a block
// alone in its allocator page: mimalloc returned the page to the OS and the next step faulted a
// new one (RPUSH to one list: ~1 madvise per 55 pushes, 0.7 s of system time per 1M pushes).
// Small nodes (a count fill of a few short elements) grow within the allocator's small classes,
// whose pages hold many blocks: nothing to save there, so they start empty as in Redis.
uint8_t* QuickList::NewEndListpack(const Node* full_end) const {
  constexpr size_t kPreallocFrom = 1024;
  if (full_end == nullptr || lp::Bytes(full_end->lp) < kPreallocFrom) return lp::New();
  const size_t limit = fill_ < 0 ? kSizeLimits[-fill_ - 1] : kSafetyLimit;
  return lp::New(std::min(lp::Bytes(full_end->lp), limit));
}

void QuickList::Push(End end, std::string_view value) {
  size_t bytes = lp::EntrySize(value);
  if (end == End::kHead) {
    if (head_ != nullptr && AllowInsert(head_, bytes))
      head_->lp = lp::Prepend(head_->lp, value);
    else
      LinkAfter(NewNode(lp::Append(NewEndListpack(head_), value)), nullptr);
  } else {
    if (tail_ != nullptr && AllowInsert(tail_, bytes))
      tail_->lp = lp::Append(tail_->lp, value);
    else
      LinkAfter(NewNode(lp::Append(NewEndListpack(tail_), value)), tail_);
  }
  ++count_;
}

bool QuickList::Pop(End end, std::string* out) {
  if (count_ == 0) return false;
  Node* n = end == End::kHead ? head_ : tail_;
  uint8_t* p = end == End::kHead ? lp::First(n->lp) : lp::Last(n->lp);
  if (out != nullptr) {
    char scratch[32];
    out->assign(lp::Get(p).Str(scratch));
  }
  n->lp = lp::Delete(n->lp, p, nullptr);
  --count_;
  if (lp::Length(n->lp) == 0) {
    Unlink(n);
    FreeNode(n);
  } else {
    TryMergeAround(n, nullptr);
  }
  return true;
}

// ---- Iterator ----

std::string_view QuickList::Iterator::Get(char* scratch) const {
  return lp::Get(pos_).Str(scratch);
}

bool QuickList::Iterator::Equals(std::string_view s) const { return lp::Eq(pos_, s); }

void QuickList::Iterator::Next() {
  pos_ = lp::Next(node_->lp, pos_);
  ++offset_;
  if (pos_ != nullptr || node_->next == nullptr) return;
  node_ = node_->next;
  pos_ = lp::First(node_->lp);
  offset_ = 0;
}

void QuickList::Iterator::Prev() {
  if (offset_ > 0) {
    pos_ = lp::Prev(node_->lp, pos_);
    --offset_;
    return;
  }
  if (node_->prev == nullptr) {
    pos_ = nullptr;
    return;
  }
  node_ = node_->prev;
  pos_ = lp::Last(node_->lp);
  offset_ = lp::Length(node_->lp) - 1;
}

QuickList::Iterator QuickList::At(int64_t index) const {
  Iterator it;
  int64_t n = static_cast<int64_t>(count_);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return it;
  Node* node;
  uint64_t off;
  if (index <= n / 2) {
    uint64_t rest = static_cast<uint64_t>(index);
    node = head_;
    while (rest >= lp::Length(node->lp)) {
      rest -= lp::Length(node->lp);
      node = node->next;
    }
    off = rest;
  } else {
    uint64_t rest = static_cast<uint64_t>(n - 1 - index);  // distance from the tail
    node = tail_;
    while (rest >= lp::Length(node->lp)) {
      rest -= lp::Length(node->lp);
      node = node->prev;
    }
    off = lp::Length(node->lp) - 1 - rest;
  }
  it.node_ = node;
  it.offset_ = static_cast<uint32_t>(off);
  it.pos_ = lp::Seek(node->lp, static_cast<int64_t>(off));
  return it;
}

// ---- Positional mutations ----

void QuickList::InsertAt(Iterator& it, std::string_view value, bool after) {
  Node* n = it.node_;
  size_t bytes = lp::EntrySize(value);
  uint32_t len = lp::Length(n->lp);
  bool at_tail = it.offset_ + 1 == len;
  bool at_head = it.offset_ == 0;
  ++count_;
  if (AllowInsert(n, bytes)) {
    n->lp = lp::Insert(n->lp, it.pos_, value, !after, nullptr);
  } else if (after && at_tail && n->next != nullptr && AllowInsert(n->next, bytes)) {
    n->next->lp = lp::Prepend(n->next->lp, value);
  } else if (!after && at_head && n->prev != nullptr && AllowInsert(n->prev, bytes)) {
    n->prev->lp = lp::Append(n->prev->lp, value);
  } else if ((after && at_tail) || (!after && at_head)) {
    LinkAfter(NewNode(lp::Append(lp::New(), value)), after ? n : n->prev);
  } else {
    // Full node, insertion inside it: split there, the element joins whichever half takes it.
    Node* right = Split(n, after ? it.offset_ + 1 : it.offset_);
    if (AllowInsert(n, bytes))
      n->lp = lp::Append(n->lp, value);
    else if (AllowInsert(right, bytes))
      right->lp = lp::Prepend(right->lp, value);
    else
      LinkAfter(NewNode(lp::Append(lp::New(), value)), n);
    if (right->next != nullptr && AllowMerge(right, right->next))
      Merge(right, right->next, nullptr);
    if (n->prev != nullptr && AllowMerge(n->prev, n)) Merge(n->prev, n, nullptr);
  }
  it = Iterator();
}

void QuickList::ReplaceAt(Iterator& it, std::string_view value) {
  Node* n = it.node_;
  n->lp = lp::Replace(n->lp, it.pos_, value, &it.pos_);
  uint32_t len = lp::Length(n->lp);
  if (len == 1 || WithinLimit(fill_, lp::Bytes(n->lp), len)) return;
  // The new value made the node outgrow its limit: give it a node of its own, as an insert would.
  if (it.offset_ + 1 < len) Split(n, it.offset_ + 1);
  if (it.offset_ > 0) {
    it.node_ = Split(n, it.offset_);
    it.offset_ = 0;
  }
  it.pos_ = lp::First(it.node_->lp);
}

void QuickList::DeleteAt(Iterator& it, bool forward) {
  Node* n = it.node_;
  uint8_t* next = nullptr;
  n->lp = lp::Delete(n->lp, it.pos_, &next);
  --count_;
  uint32_t len = lp::Length(n->lp);
  if (len == 0) {
    Node* to = forward ? n->next : n->prev;
    Unlink(n);
    FreeNode(n);
    it.node_ = to;
    it.pos_ = nullptr;
    if (to != nullptr) {
      it.pos_ = forward ? lp::First(to->lp) : lp::Last(to->lp);
      it.offset_ = forward ? 0 : lp::Length(to->lp) - 1;
    }
    return;
  }
  if (forward) {
    if (next != nullptr) {
      it.pos_ = next;  // same offset: the following elements moved down by one
    } else if (n->next != nullptr) {
      it.node_ = n->next;
      it.pos_ = lp::First(it.node_->lp);
      it.offset_ = 0;
    } else {
      it.pos_ = nullptr;
    }
  } else if (it.offset_ > 0) {
    --it.offset_;
    it.pos_ = next != nullptr ? lp::Prev(n->lp, next) : lp::Last(n->lp);
  } else if (n->prev != nullptr) {
    it.node_ = n->prev;
    it.pos_ = lp::Last(it.node_->lp);
    it.offset_ = lp::Length(it.node_->lp) - 1;
  } else {
    it.pos_ = nullptr;
  }
  TryMergeAround(n, &it);
}

bool QuickList::Replace(int64_t index, std::string_view value) {
  Iterator it = At(index);
  if (!it.Valid()) return false;
  ReplaceAt(it, value);
  return true;
}

void QuickList::DeleteRange(int64_t index, int64_t count) {
  int64_t n = static_cast<int64_t>(count_);
  if (index < 0) index = std::max<int64_t>(index + n, 0);
  if (count <= 0 || index >= n) return;
  uint64_t left = static_cast<uint64_t>(std::min(count, n - index));
  Iterator it = At(index);
  Node* node = it.node_;
  uint32_t off = it.offset_;
  Node* first_partial = nullptr;
  Node* last_partial = nullptr;
  while (left > 0) {
    Node* next = node->next;
    uint32_t len = lp::Length(node->lp);
    if (off == 0 && left >= len) {
      Unlink(node);
      FreeNode(node);
      left -= len;
      count_ -= len;
    } else {
      uint32_t del = static_cast<uint32_t>(std::min<uint64_t>(left, len - off));
      node->lp = lp::DeleteRange(node->lp, off, del);
      left -= del;
      count_ -= del;
      if (first_partial == nullptr) first_partial = node;
      last_partial = node;
    }
    node = next;
    off = 0;
  }
  // Merging the later node first never frees the earlier one (a merge frees its second node,
  // and last_partial only ever absorbs or is absorbed by its own neighbours).
  if (last_partial != nullptr) TryMergeAround(last_partial, nullptr);
  if (first_partial != nullptr && first_partial != last_partial)
    TryMergeAround(first_partial, nullptr);
}

}  // namespace shoal
