// persistence/aof_manifest against Redis 7.0.15: manifests a real redis-server 7.0.15 wrote must
// parse and come out of FormatManifest byte for byte, and every parse rule of
// aofLoadManifestFromFile gives the verdict and message redis-check-aof 7.0.15 gave for the same
// bytes (each case below was run through it). Plus names, round trips and WriteFileDurably.
#include "persistence/aof_manifest.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace shoal::aof {
namespace {

using namespace std::string_literals;

// redis-server 7.0.15 --appendonly yes, after one BGREWRITEAOF (aof-use-rdb-preamble yes,
// history files removed): appendonlydir/appendonly.aof.manifest.
constexpr char kRedisDefault[] =
    "file appendonly.aof.2.base.rdb seq 2 type b\n"
    "file appendonly.aof.2.incr.aof seq 2 type i\n";

// redis-server 7.0.15 --appendfilename "my file.aof" --aof-disable-auto-gc yes
// --aof-use-rdb-preamble no, after two BGREWRITEAOFs: the names need quoting, the history is
// newest first.
constexpr char kRedisQuoted[] =
    "file \"my file.aof.3.base.aof\" seq 3 type b\n"
    "file \"my file.aof.2.incr.aof\" seq 2 type h\n"
    "file \"my file.aof.2.base.aof\" seq 2 type h\n"
    "file \"my file.aof.1.incr.aof\" seq 1 type h\n"
    "file \"my file.aof.1.base.aof\" seq 1 type h\n"
    "file \"my file.aof.3.incr.aof\" seq 3 type i\n";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) {
  struct stat sb;
  return ::stat(path.c_str(), &sb) == 0;
}

TEST_CASE("aof manifest: Redis 7.0.15's manifests parse and format byte for byte", "[aof]") {
  auto m = ParseManifest(kRedisDefault);
  REQUIRE(m.ok());
  REQUIRE(m->base.has_value());
  CHECK(m->base->name == "appendonly.aof.2.base.rdb");
  CHECK(m->base->name == BaseName("appendonly.aof", 2, true));
  CHECK(m->base->seq == 2);
  CHECK(m->base->type == FileType::kBase);
  REQUIRE(m->incrs.size() == 1);
  CHECK(m->incrs[0].name == IncrName("appendonly.aof", 2));
  CHECK(m->incrs[0].type == FileType::kIncr);
  CHECK(m->history.empty());
  CHECK(m->curr_base_seq == 2);
  CHECK(m->curr_incr_seq == 2);
  CHECK(FormatManifest(*m) == kRedisDefault);

  auto q = ParseManifest(kRedisQuoted);
  REQUIRE(q.ok());
  REQUIRE(q->base.has_value());
  CHECK(q->base->name == BaseName("my file.aof", 3, false));
  REQUIRE(q->history.size() == 4);
  CHECK(q->history[0].name == IncrName("my file.aof", 2));
  CHECK(q->history[1].name == BaseName("my file.aof", 2, false));
  CHECK(q->history[3].seq == 1);
  CHECK(q->history[3].type == FileType::kHistory);
  REQUIRE(q->incrs.size() == 1);
  CHECK(q->incrs[0].name == "my file.aof.3.incr.aof");
  CHECK(q->curr_base_seq == 3);
  CHECK(q->curr_incr_seq == 3);
  CHECK(FormatManifest(*q) == kRedisQuoted);
}

TEST_CASE("aof manifest: names", "[aof]") {
  CHECK(BaseName("appendonly.aof", 1, true) == "appendonly.aof.1.base.rdb");
  CHECK(BaseName("appendonly.aof", 12, false) == "appendonly.aof.12.base.aof");
  CHECK(IncrName("appendonly.aof", 1) == "appendonly.aof.1.incr.aof");
  CHECK(IncrName("x", 9000000000LL) == "x.9000000000.incr.aof");
  CHECK(ManifestName("appendonly.aof") == "appendonly.aof.manifest");
  CHECK(TempName(ManifestName("appendonly.aof")) == "temp-appendonly.aof.manifest");
  CHECK(TempName("appendonly.aof.3.incr.aof") == "temp-appendonly.aof.3.incr.aof");
  CHECK(TempIncrName("appendonly.aof") == "temp-appendonly.aof.incr");
}

TEST_CASE("aof manifest: format order, types from the lists, round trips", "[aof]") {
  Manifest m;
  m.base = FileInfo{"b name.rdb", 7, FileType::kBase};
  m.incrs = {{"i1", 3, FileType::kIncr}, {"i\"2", 4, FileType::kIncr}};
  m.history = {{"h\n\t\r\a\b\x01\x7f\xff", 2, FileType::kHistory}, {"h2", -5, FileType::kHistory}};
  const std::string text = FormatManifest(m);
  CHECK(text ==
        "file \"b name.rdb\" seq 7 type b\n"
        "file \"h\\n\\t\\r\\a\\b\\x01\\x7f\\xff\" seq 2 type h\n"
        "file h2 seq -5 type h\n"
        "file i1 seq 3 type i\n"
        "file \"i\\\"2\" seq 4 type i\n");
  auto back = ParseManifest(text);
  REQUIRE(back.ok());
  REQUIRE(back->base.has_value());
  CHECK(back->base->name == m.base->name);
  REQUIRE(back->history.size() == 2);
  CHECK(back->history[0].name == m.history[0].name);
  CHECK(back->history[1].seq == -5);
  REQUIRE(back->incrs.size() == 2);
  CHECK(back->incrs[1].name == m.incrs[1].name);
  CHECK(back->curr_incr_seq == 4);
  CHECK(FormatManifest(*back) == text);

  // The line type comes from the list an entry is in.
  Manifest wrong;
  wrong.incrs = {{"x", 1, FileType::kBase}};
  CHECK(FormatManifest(wrong) == "file x seq 1 type i\n");
  CHECK(FormatManifest(Manifest()).empty());

  // As in Redis, a single quote is not quoted, and such a line does not parse back.
  Manifest sq;
  sq.incrs = {{"it's", 1, FileType::kIncr}};
  CHECK(FormatManifest(sq) == "file it's seq 1 type i\n");
  CHECK(!ParseManifest(FormatManifest(sq)).ok());
}

TEST_CASE("aof manifest: NeedsRepr, Repr, SplitArgs", "[aof]") {
  CHECK(!NeedsRepr("appendonly.aof.1.base.rdb"));
  CHECK(!NeedsRepr("it's~!"));
  CHECK(!NeedsRepr(""));
  CHECK(NeedsRepr("a b"));
  CHECK(NeedsRepr("a\"b"));
  CHECK(NeedsRepr("a\\b"));
  CHECK(NeedsRepr("a\x80"));
  CHECK(NeedsRepr("a\x7f"));
  CHECK(Repr("a \"\\\n\x02\xe9") == "\"a \\\"\\\\\\n\\x02\\xe9\"");

  using V = std::vector<std::string>;
  CHECK(SplitArgs("  a  b\tc ") == V{"a", "b", "c"});
  CHECK(SplitArgs("") == V{});
  CHECK(SplitArgs("ab\"c d\" e") == V{"abc d", "e"});
  CHECK(SplitArgs("\"\\x41\\x4a\\n\\q\" 'it\\'s' ''") == V{"AJ\nq", "it's", ""});
  CHECK(SplitArgs("\"\\xZZ\"") == V{"xZZ"});
  CHECK(SplitArgs("a\vb") == V{"a\vb"});
  CHECK(SplitArgs("a\0b c"s) == V{"a"});
  CHECK(!SplitArgs("\"abc").has_value());
  CHECK(!SplitArgs("'abc").has_value());
  CHECK(!SplitArgs("\"a\"b").has_value());
  CHECK(!SplitArgs("'a'b").has_value());
  CHECK(!SplitArgs("\"a\\").has_value());
}

// Each verdict and message below is what redis-check-aof 7.0.15 printed for the same bytes.
struct ErrorCase {
  const char* what;
  std::string text;
  std::string error;  // "" = parses
};

TEST_CASE("aof manifest: aofLoadManifestFromFile's rules", "[aof]") {
  const std::string f = "file a seq 1 type h\n";
  const std::vector<ErrorCase> cases = {
      {"empty file", "", "Found an empty AOF manifest"},
      {"comments only", "#x\n# y\n", ""},
      {"comment of 1023 bytes + LF", f + "#" + std::string(1022, 'x') + "\n", ""},
      {"comment of 1024 bytes + LF: the LF is a line", f + "#" + std::string(1023, 'x') + "\n",
       "Invalid AOF manifest file format (at line 3: '')"},
      {"comment of 1025 bytes + LF: its tail is a line", f + "#" + std::string(1024, 'x') + "\n",
       "Invalid AOF manifest file format (at line 3: 'x')"},
      {"line of 1024 bytes", f + "file " + std::string(1024 - 19, 'n') + " seq 1 type h\n", ""},
      {"line of 1025 bytes", f + "file " + std::string(1025 - 19, 'n') + " seq 1 type h\n",
       "The AOF manifest file contains too long line"},
      {"NUL in a line", f + "file b\0 seq 1 type h\n"s,
       "The AOF manifest file contains too long line"},
      {"last line without LF", f + "file b seq 2 type i",
       "The AOF manifest file contains too long line"},
      {"blank line", f + "\n", "Invalid AOF manifest file format (at line 2: '')"},
      {"blanks line", f + " \t \n", "Invalid AOF manifest file format (at line 2: '')"},
      {"CRLF", f + "file b seq 2 type i\r\n", ""},
      {"leading blanks", f + "   file b seq 2 type i\n", ""},
      {"5 tokens", f + "file b seq 2 type\n",
       "Invalid AOF manifest file format (at line 2: 'file b seq 2 type')"},
      {"7 tokens", f + "file b seq 2 type i x\n", "Invalid AOF manifest file format"},
      {"unknown keys only", f + "foo b bar 2 baz i\n", "Invalid AOF manifest file format"},
      {"unknown keys ignored", f + "file b seq 2 type i foo bar\n", ""},
      {"keys without case", f + "FILE b SeQ 2 TYPE i\n", ""},
      {"seq 0", f + "file b seq 0 type i\n", "Invalid AOF manifest file format"},
      {"seq abc", f + "file b seq abc type i\n", "Invalid AOF manifest file format"},
      {"seq 12abc (atoll)", f + "file b seq 12abc type i\n", ""},
      {"negative incr seq", f + "file b seq -3 type i\n",
       "Found a non-monotonic sequence number (at line 2: 'file b seq -3 type i')"},
      {"negative base seq", f + "file b seq -3 type b\n", ""},
      {"empty type", f + "file b seq 2 type \"\"\n", "Invalid AOF manifest file format"},
      {"type base (first char)", f + "file b seq 2 type base\n", ""},
      {"type x", f + "file b seq 2 type x\n", "Unknown AOF file type (at line 2"},
      {"type B", f + "file b seq 2 type B\n", "Unknown AOF file type"},
      {"path", f + "file a/b seq 2 type i\n", "File can't be a path, just a filename (at line 2"},
      {"backslash", f + "file a\\b seq 2 type i\n", "File can't be a path, just a filename"},
      {"quoted backslash", f + "file \"a\\\\b\" seq 2 type i\n",
       "File can't be a path, just a filename"},
      {"duplicate base", f + "file b seq 2 type b\nfile c seq 3 type b\n",
       "Found duplicate base file information (at line 3: 'file c seq 3 type b')"},
      {"same incr seq", f + "file b seq 2 type i\nfile c seq 2 type i\n",
       "Found a non-monotonic sequence number (at line 3"},
      {"lower incr seq", "file b seq 2 type i\nfile c seq 1 type i\n",
       "Found a non-monotonic sequence number"},
      {"history in any order", "file b seq 2 type h\nfile c seq 1 type h\n", ""},
      {"unbalanced quote", f + "file \"b seq 2 type i\n", "Invalid AOF manifest file format"},
      {"text after a closing quote", f + "file \"b\"x seq 2 type i\n",
       "Invalid AOF manifest file format"},
      {"quote inside a token", f + "file ab\"c d\" seq 2 type i\n", ""},
      {"single quotes", f + "file 'it\\'s' seq 2 type i\n", ""},
      {"escaped NUL cuts the name", f + "file \"ab\\x00cd\" seq 2 type i\n", ""},
      {"empty name", f + "file \"\" seq 2 type i\n", ""},
      {"a repeated key's last value wins", f + "file b seq 2 type i file c seq 5\n", ""},
  };
  for (const ErrorCase& c : cases) {
    INFO(c.what);
    auto m = ParseManifest(c.text);
    if (c.error.empty()) {
      CHECK(m.ok());
      if (!m.ok()) UNSCOPED_INFO(m.status().message());
    } else {
      REQUIRE(!m.ok());
      CHECK(m.status().code() == absl::StatusCode::kDataLoss);
      CHECK(std::string(m.status().message()).rfind(c.error, 0) == 0);
      UNSCOPED_INFO(m.status().message());
    }
  }
}

TEST_CASE("aof manifest: what the lenient rules read", "[aof]") {
  auto m = ParseManifest(
      "file a seq 12abc type base\nfile \"ab\\x00cd\" seq 3 type i\n"
      "FILE x SEQ 4 TYPE inc file y seq 9 extra 1\n"
      "file \"\" seq 10 type i\n#x\nfile ab\"c d\" seq 1 type history\n"
      "file q seq 5 type h\n");
  REQUIRE(m.ok());
  REQUIRE(m->base.has_value());
  CHECK(m->base->name == "a");
  CHECK(m->base->seq == 12);
  CHECK(m->curr_base_seq == 12);
  REQUIRE(m->incrs.size() == 3);
  CHECK(m->incrs[0].name == "ab");
  CHECK(m->incrs[1].name == "y");
  CHECK(m->incrs[1].seq == 9);
  CHECK(m->incrs[2].name.empty());
  CHECK(m->curr_incr_seq == 10);
  REQUIRE(m->history.size() == 2);
  CHECK(m->history[0].name == "abc d");
  CHECK(m->history[1].seq == 5);

  auto none = ParseManifest("# nothing\n");
  REQUIRE(none.ok());
  CHECK(!none->base.has_value());
  CHECK(none->incrs.empty());
  CHECK(none->history.empty());
  CHECK(none->curr_base_seq == 0);
  CHECK(none->curr_incr_seq == 0);

  // seq is atoll: blanks, a sign, saturation.
  auto big = ParseManifest("file a seq \" +99999999999999999999\" type i\n");
  REQUIRE(big.ok());
  CHECK(big->incrs[0].seq == INT64_MAX);
}

TEST_CASE("aof manifest: WriteFileDurably", "[aof]") {
  char tmpl[] = "/tmp/shoal-aof-test-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::string dir = tmpl;
  const std::string name = ManifestName("appendonly.aof");

  REQUIRE(WriteFileDurably(dir, name, kRedisDefault).ok());
  CHECK(ReadAll(dir + "/" + name) == kRedisDefault);
  CHECK(!Exists(dir + "/" + TempName(name)));

  // Replaces the file (shorter content: the temp file is truncated, not reused).
  REQUIRE(WriteFileDurably(dir + "/", name, "file x seq 1 type i\n").ok());
  CHECK(ReadAll(dir + "/" + name) == "file x seq 1 type i\n");
  std::string big(1 << 20, 'z');
  REQUIRE(WriteFileDurably(dir, name, big).ok());
  CHECK(ReadAll(dir + "/" + name) == big);
  REQUIRE(WriteFileDurably(dir, name, "").ok());
  CHECK(ReadAll(dir + "/" + name).empty());

  // No such directory: strerror in the message.
  absl::Status st = WriteFileDurably(dir + "/missing", name, "x");
  CHECK(!st.ok());
  CHECK(std::string(st.message()).find("No such file or directory") != std::string::npos);
  CHECK(std::string(st.message()).find("temp-appendonly.aof.manifest") != std::string::npos);

  // The rename fails (the target is a non-empty directory): the temp file is removed.
  const std::string sub = dir + "/target";
  REQUIRE(::mkdir(sub.c_str(), 0755) == 0);
  REQUIRE(WriteFileDurably(sub, "inner", "x").ok());
  st = WriteFileDurably(dir, "target", "content");
  CHECK(!st.ok());
  CHECK(std::string(st.message()).find("rename") != std::string::npos);
  CHECK(!Exists(dir + "/temp-target"));

  ::unlink((sub + "/inner").c_str());
  ::rmdir(sub.c_str());
  ::unlink((dir + "/" + name).c_str());
  CHECK(::rmdir(dir.c_str()) == 0);  // nothing else was left behind
}

}  // namespace
}  // namespace shoal::aof
