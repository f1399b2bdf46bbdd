#include "shard/key_slot.h"

#include <catch2/catch.hpp>
#include <string>

namespace shoal {
namespace {

using namespace std::string_view_literals;

// Bit-at-a-time reference CRC16/XMODEM, independent of the table.
uint16_t ReferenceCrc16(std::string_view data) {
  uint16_t crc = 0;
  for (char c : data) {
    crc ^= static_cast<uint16_t>(static_cast<uint8_t>(c) << 8);
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

TEST_CASE("Crc16 matches the Redis Cluster test vector", "[key_slot]") {
  // Redis Cluster spec / crc16.c: CRC16 XMODEM of "123456789" is 0x31C3.
  CHECK(Crc16("123456789") == 0x31C3);
  CHECK(Crc16("") == 0);
  CHECK(Crc16(std::string_view("\0", 1)) == 0);
  CHECK(Crc16("\x01") == 0x1021);
  CHECK(Crc16("\xff") == 0x1ef0);
}

TEST_CASE("Crc16 agrees with a bitwise reference on all byte values", "[key_slot]") {
  std::string data;
  for (int i = 0; i < 512; ++i) {
    data.push_back(static_cast<char>((i * 131 + 7) & 0xff));
    REQUIRE(Crc16(data) == ReferenceCrc16(data));
  }
  for (int b = 0; b < 256; ++b) {
    std::string one(1, static_cast<char>(b));
    REQUIRE(Crc16(one) == ReferenceCrc16(one));
  }
}

TEST_CASE("HashTag follows keyHashSlot rules", "[key_slot]") {
  CHECK(HashTag("foo") == "foo");
  CHECK(HashTag("{user1000}.following") == "user1000");
  CHECK(HashTag("{user1000}.followers") == "user1000");
  CHECK(HashTag("foo{}{bar}") == "foo{}{bar}");  // empty tag: whole key
  CHECK(HashTag("foo{{bar}}zap") == "{bar");
  CHECK(HashTag("foo{bar}{zap}") == "bar");
  CHECK(HashTag("{") == "{");
  CHECK(HashTag("}") == "}");
  CHECK(HashTag("{}") == "{}");
  CHECK(HashTag("a{b") == "a{b");
  CHECK(HashTag("a}b{c}") == "c");  // '}' before the first '{' does not count
  CHECK(HashTag("{a}") == "a");
  CHECK(HashTag("") == "");
  CHECK(HashTag("x{\0}y"sv) == "\0"sv);
  // The result views into the key.
  std::string key = "pre{tag}post";
  std::string_view tag = HashTag(key);
  CHECK(tag.data() == key.data() + 4);
  CHECK(tag.size() == 3);
}

TEST_CASE("KeySlot matches CLUSTER KEYSLOT of Redis 7.0", "[key_slot]") {
  // Every value below was obtained from redis-server 7.0.15 (cluster-enabled) CLUSTER KEYSLOT.
  CHECK(KeySlot("foo") == 12182);
  CHECK(KeySlot("bar") == 5061);
  CHECK(KeySlot("{user1000}.following") == 3443);
  CHECK(KeySlot("{user1000}.followers") == 3443);
  CHECK(KeySlot("foo{}{bar}") == 8363);
  CHECK(KeySlot("foo{{bar}}zap") == 4015);
  CHECK(KeySlot("foo{{bar}}zap") == KeySlot("{bar"));
  CHECK(KeySlot("foo{bar}{zap}") == 5061);
  CHECK(KeySlot("foo{bar}{zap}") == KeySlot("bar"));
  CHECK(KeySlot("") == 0);
  CHECK(KeySlot("{") == 4092);
  CHECK(KeySlot("}") == 12090);
  CHECK(KeySlot("{}") == 15257);
  CHECK(KeySlot("a{b") == 13340);
  CHECK(KeySlot("a}b{c}") == 7365);
  CHECK(KeySlot("123456789") == 12739);  // 0x31C3 & 0x3FFF
  CHECK(KeySlot("{a}") == 15495);
  CHECK(KeySlot("a") == 15495);
  CHECK(KeySlot("key:000") == 9207);
  CHECK(KeySlot("somekey") == 11058);
  CHECK(KeySlot("\\x00") == 14438);
}

TEST_CASE("KeySlot stays in range and equals the masked CRC of the tag", "[key_slot]") {
  for (int i = 0; i < 5000; ++i) {
    std::string key = "key:" + std::to_string(i);
    uint16_t slot = KeySlot(key);
    REQUIRE(slot < kNumKeySlots);
    REQUIRE(slot == (ReferenceCrc16(key) & 0x3FFF));
    REQUIRE(KeySlot("{" + key + "}:suffix" + std::to_string(i)) == slot);
  }
}

}  // namespace
}  // namespace shoal
