#include "shard/notify.h"

#include <string>

namespace shoal::notify {

Hook g_hook = nullptr;

void SetHook(Hook hook) { g_hook = hook; }

int64_t FlagsFromString(std::string_view classes) {
  int64_t flags = 0;
  for (char c : classes) {
    switch (c) {
      case 'A':
        flags |= kAll;
        break;
      case 'g':
        flags |= kGeneric;
        break;
      case '$':
        flags |= kString;
        break;
      case 'l':
        flags |= kList;
        break;
      case 's':
        flags |= kSet;
        break;
      case 'h':
        flags |= kHash;
        break;
      case 'z':
        flags |= kZset;
        break;
      case 'x':
        flags |= kExpired;
        break;
      case 'e':
        flags |= kEvicted;
        break;
      case 'K':
        flags |= kKeyspace;
        break;
      case 'E':
        flags |= kKeyevent;
        break;
      case 't':
        flags |= kStream;
        break;
      case 'm':
        flags |= kKeyMiss;
        break;
      case 'd':
        flags |= kModule;
        break;
      case 'n':
        flags |= kNew;
        break;
      default:
        return -1;
    }
  }
  return flags;
}

std::string FlagsToString(int64_t flags) {
  std::string s;
  if ((flags & kAll) == kAll) {
    s += 'A';
  } else {
    if (flags & kGeneric) s += 'g';
    if (flags & kString) s += '$';
    if (flags & kList) s += 'l';
    if (flags & kSet) s += 's';
    if (flags & kHash) s += 'h';
    if (flags & kZset) s += 'z';
    if (flags & kExpired) s += 'x';
    if (flags & kEvicted) s += 'e';
    if (flags & kStream) s += 't';
    if (flags & kModule) s += 'd';
    if (flags & kNew) s += 'n';
  }
  if (flags & kKeyspace) s += 'K';
  if (flags & kKeyevent) s += 'E';
  if (flags & kKeyMiss) s += 'm';
  return s;
}

}  // namespace shoal::notify
