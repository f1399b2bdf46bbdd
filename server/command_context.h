// What a handler sees. Which fields are valid depends on the command's mode:
//  kShard:       rb, db, db_index, shard, slice() -- on the owning shard's thread. conn is null:
//                a shard handler never touches connection state.
//  kConnection:  rb, db_index, conn -- on the connection's thread.
//  kMulti:       rb, db_index, conn, Done() -- on the connection's thread; shard work goes through
//                a Transaction. The context and rb stay valid until Done() is called.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_builder.h"
#include "server/command_registry.h"
#include "shard/db_slice.h"
#include "shard/journal.h"
#include "shard/shard.h"
#include "shard/tracking.h"

namespace shoal {

class Connection;
class Transaction;
namespace acl {
struct User;
}

class CommandContext {
 public:
  protocol::ReplyBuilder* rb = nullptr;
  DbIndex db_index = 0;
  Shard* shard = nullptr;
  Connection* conn = nullptr;
  const CommandId* cid = nullptr;
  // The enclosing armed transaction when the command runs inside one (EXEC; later a script):
  // Transaction::Create(ctx, ...) then joins it instead of arming on its own.
  Transaction* tx = nullptr;
  // Inside EXEC (later a script): a blocking command must not block; it answers as on timeout.
  bool deny_blocking = false;
  // A tracking client's read-only command coordinated across shards: the keys each shard's hop
  // remembers (Transaction::Create passes it to the transactions the command runs).
  std::shared_ptr<const tracking::ReadKeys> track;
  // A script run for a tracking client (default mode): the read commands it calls remember their
  // keys for that client (Redis's script_caller). id 0: none.
  tracking::Client script_tracker;
  // The calling client's address (MONITOR lines that commands feed themselves: EVAL, FCALL).
  std::string_view client_addr;
  // The user running the command (scripts check the commands they call against it; null: no
  // checks, as for the AOF loader) and, for a script of a restricted user, the caller's CLIENT
  // LIST line for the ACL LOG.
  const acl::User* user = nullptr;
  std::string_view client_info;

  // The journal (shard/journal.h, server/propagate.h). What the command logs when it changed
  // data: `rewrite` when set (Redis's rewriteClientCommandVector: SET EX as SET PXAT, SPOP as
  // SREM ...), else its arguments; nothing when propagate_self is false (EXEC, scripts and the
  // pops log their effects themselves, Redis's preventCommandPropagation).
  std::vector<std::string> rewrite;
  bool propagate_self = true;
  // kMulti: the unit its transactions fill (null: not journaling), and whether one of their hops
  // changed data (set by the transactions on this thread; a handler sets it to log itself even
  // when nothing changed, Redis's forceCommandPropagation).
  journal::Builder* jb = nullptr;
  mutable bool changed = false;

  DbSlice& slice() { return shard->db_slice(); }
  // Logs `argv` instead of the command's arguments.
  void Propagate(std::vector<std::string> argv) { rewrite = std::move(argv); }

  // kMulti only: the command is complete; the connection moves on. Call exactly once. A kMulti
  // command whose keys all live on one shard is run like a kShard one (shard set, conn null);
  // Done() is then a no-op.
  void Done() {
    if (!done_) return;
    auto d = std::move(done_);
    done_ = nullptr;
    d();
  }
  std::function<void()> done_;
};

}  // namespace shoal
