#include "server/server_state.h"

#include "shard/clock.h"
#include "shard/shard_set.h"

namespace shoal {

ServerState* NewServerState() { return new ServerState(); }

void CreateShards(unsigned nshards) {
  ServerState& st = Server();
  auto ndb = static_cast<unsigned>(st.config.databases.load());
  if (st.registry.size() == 0) RegisterAllCommands(st.registry);  // main builds it first
  st.shards = std::make_unique<ShardSet>(nshards, ndb);
  for (unsigned i = 0; i < nshards; ++i) {
    st.cmd_stats.emplace_back(new CmdStat[st.registry.size()]);
    st.thread_stats.push_back(std::make_unique<ThreadStats>());
  }
  st.start_time_ms = UnixMs();
}

}  // namespace shoal
