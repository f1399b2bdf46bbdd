// What the stream family lends to the consumer-group family (server/commands/
// stream_group_family.cc): the key positions of XREAD and XREADGROUP, which share their syntax,
// the reply form of one entry and the stream behind a slot.
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/reply_builder.h"
#include "server/command_context.h"
#include "shard/stream.h"

namespace shoal {

// The stream a slot of type kStream holds.
inline Stream* StreamOf(DbSlice::Slot* s) { return static_cast<Stream*>(s->entry()->object()); }

// xreadGetKeys: the keys are the first half of what follows STREAMS, found past the options (so
// a group, consumer or key named "streams" is not taken for it). Nothing when the arguments are
// malformed: the command reports the syntax error.
bool XreadKeys(ArgSlice args, std::vector<uint32_t>* out);

// One entry as streamReplyWithRange writes it, [id, [field, value ...]]: `id` and its `fields`
// pairs, read from `it` right after it.Next returned them.
void ReplyStreamEntry(protocol::ReplyBuilder& rb, Stream::Iterator& it, StreamID id,
                      int64_t fields);

}  // namespace shoal
