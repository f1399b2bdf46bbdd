#!/usr/bin/env python3
"""Writes server/key_specs.cc and server/command_docs.cc from Redis 7.0's command facts.

Usage: scripts/gen_command_meta.py REDIS_CHECKOUT [TAG]   (default tag 7.0.15)

Reads src/commands/<name>.json at TAG (with `git show`, nothing is copied into this tree) for
every command and subcommand Shoal registers, and prints our own C++ tables: the key specs
(server/key_specs.cc) and the documentation that COMMAND INFO/DOCS show (server/command_docs.cc).
The output is committed and reviewed like hand-written code; rerun this after adding commands,
or edit the rows by hand. The command list is taken from the registration rows
({.name = "..."}) of server/commands/*.cc. Rows there carry only behaviour (arity, flags, mode,
handler); summary, since and group come from here, first/last/step from the key specs.
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def shoal_commands():
    names = set()
    pat = re.compile(r'\.name = "([a-z_|-]+)"')
    for f in sorted(os.listdir(os.path.join(ROOT, "server/commands"))):
        if f.endswith(".cc"):
            names.update(pat.findall(open(os.path.join(ROOT, "server/commands", f)).read()))
    return sorted(names)


def load(repo, tag, name):
    fname = name.replace("|", "-")
    out = subprocess.run(["git", "-C", repo, "show", f"{tag}:src/commands/{fname}.json"],
                         check=True, capture_output=True, text=True).stdout
    return next(iter(json.loads(out).values()))


def lit(s):
    if s is None:
        return "nullptr"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


KEY_FLAGS = ["RO", "RW", "OW", "RM", "ACCESS", "UPDATE", "INSERT", "DELETE", "NOT_KEY",
             "INCOMPLETE", "VARIABLE_FLAGS"]
KEY_FLAG_CC = {f: "k" + "".join(p.capitalize() for p in f.split("_")) for f in KEY_FLAGS}
KEY_FLAG_CC.update({"RO": "kRO", "RW": "kRW", "OW": "kOW", "RM": "kRM"})


def spec_code(spec):
    flags = " | ".join(KEY_FLAG_CC[f] for f in KEY_FLAGS if f in spec.get("flags", [])) or "0"
    bs = spec["begin_search"]
    if "index" in bs:
        bsc = f"Index({bs['index']['pos']})"
    elif "keyword" in bs:
        bsc = f"Keyword({lit(bs['keyword']['keyword'])}, {bs['keyword']['startfrom']})"
    else:
        bsc = "UnknownBegin()"
    fk = spec["find_keys"]
    if "range" in fk:
        r = fk["range"]
        fkc = f"Range({r['lastkey']}, {r['step']}, {r['limit']})"
    elif "keynum" in fk:
        k = fk["keynum"]
        fkc = f"Keynum({k['keynumidx']}, {k['firstkey']}, {k['step']})"
    else:
        fkc = "UnknownFind()"
    notes = f", {lit(spec['notes'])}" if spec.get("notes") else ""
    return f"{{{flags}, {bsc}, {fkc}{notes}}}"


ARG_TYPES = {"string": "kString", "integer": "kInteger", "double": "kDouble", "key": "kKey",
             "pattern": "kPattern", "unix-time": "kUnixTime", "pure-token": "kPureToken",
             "oneof": "kOneOf", "block": "kBlock"}


def arg_code(a, indent):
    parts = [f".name = {lit(a['name'].lower())}", f".type = {ARG_TYPES[a['type']]}"]
    if "key_spec_index" in a:
        parts.append(f".key_spec_index = {a['key_spec_index']}")
    if a.get("token"):
        parts.append(f".token = {lit(a['token'].upper())}")
    if a.get("summary"):
        parts.append(f".summary = {lit(a['summary'])}")
    if a.get("since"):
        parts.append(f".since = {lit(a['since'])}")
    if a.get("deprecated_since"):
        parts.append(f".deprecated_since = {lit(a['deprecated_since'])}")
    fl = [n for k, n in (("optional", "kOptional"), ("multiple", "kMultiple"),
                         ("multiple_token", "kMultipleToken")) if a.get(k)]
    if fl:
        parts.append(".flags = " + " | ".join(fl))
    if a["type"] in ("oneof", "block"):
        sub = ",\n".join(arg_code(s, indent + 2) for s in a["arguments"])
        parts.append(".args = {\n" + sub + "}")
    return " " * indent + "{" + ", ".join(parts) + "}"


HEADER = """// {what}, keyed by command name
// ("container|sub" for subcommands). The facts are Redis 7.0.15's (src/commands/*.json),
// written out by scripts/gen_command_meta.py and kept by hand from here on.
"""


def main():
    repo = sys.argv[1]
    tag = sys.argv[2] if len(sys.argv) > 2 else "7.0.15"
    cmds = shoal_commands()
    specs_rows, docs_rows = [], []
    for name in cmds:
        d = load(repo, tag, name)
        ks = d.get("key_specs", [])
        if ks:
            body = ",\n     ".join(spec_code(s) for s in ks)
            specs_rows.append(f"    {{{lit(name)},\n     {{{body}}}}},")
        # COMMAND DOCS prints the group as Redis's commandGroupStr does ("sorted_set" -> "sorted-set").
        fields = [f".summary = {lit(d['summary'])}", f".since = {lit(d['since'])}",
                  f".group = {lit(d['group'].replace('_', '-'))}"]
        if d.get("complexity"):
            fields.append(f".complexity = {lit(d['complexity'])}")
        dfl = [{"DEPRECATED": "kDocDeprecated", "SYSCMD": "kDocSyscmd"}[f]
               for f in d.get("doc_flags", [])]
        if dfl:
            fields.append(".doc_flags = " + " | ".join(dfl))
        if d.get("deprecated_since"):
            fields.append(f".deprecated_since = {lit(d['deprecated_since'])}")
        if d.get("replaced_by"):
            fields.append(f".replaced_by = {lit(d['replaced_by'])}")
        if d.get("history"):
            h = ", ".join(f"{{{lit(a)}, {lit(b)}}}" for a, b in d["history"])
            fields.append(f".history = {{{h}}}")
        if d.get("command_tips"):
            fields.append(".tips = {" + ", ".join(lit(t.lower()) for t in d["command_tips"]) + "}")
        if d.get("arguments"):
            fields.append(".args = {\n" + ",\n".join(arg_code(a, 8) for a in d["arguments"]) + "}")
        docs_rows.append(f"    {{{lit(name)}, {{{', '.join(fields)}}}}},")

    with open(os.path.join(ROOT, "server/key_specs.cc"), "w") as f:
        f.write(HEADER.format(what="Key specs of every command that has keys"))
        f.write("""#include "server/command_meta.h"

namespace shoal {

using namespace key_flag;

// clang-format off
const std::vector<KeySpecRow>& KeySpecTable() {
  static const std::vector<KeySpecRow> rows = {
""")
        f.write("\n".join(specs_rows))
        f.write("""
  };
  return rows;
}
// clang-format on

}  // namespace shoal
""")
    with open(os.path.join(ROOT, "server/command_docs.cc"), "w") as f:
        f.write(HEADER.format(what="What COMMAND DOCS and INFO show beyond the command table"))
        f.write("""#include "server/command_meta.h"

namespace shoal {

using enum CommandArg::Type;
using namespace arg_flag;
using namespace doc_flag;

// clang-format off
const std::vector<CommandDocRow>& CommandDocTable() {
  static const std::vector<CommandDocRow> rows = {
""")
        f.write("\n".join(docs_rows))
        f.write("""
  };
  return rows;
}
// clang-format on

}  // namespace shoal
""")


if __name__ == "__main__":
    main()
