// Geospatial commands: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE and the deprecated
// GEORADIUS GEORADIUSBYMEMBER (with STORE/STOREDIST) and their _RO forms (Redis 7.0 geo.c).
//
// A geo index is a plain sorted set whose scores are 52-bit geohashes (shard/geohash.h). GEOADD
// turns coordinates into scores and runs ZADD, which is also what it logs (as Redis rewrites it).
// A search scans the score ranges of the 3x3 geohash boxes around the shape's centre and keeps
// the points inside the shape. The read forms run on the key's shard (kShard). GEORADIUS,
// GEORADIUSBYMEMBER and GEOSEARCHSTORE may store into a key on another shard, so they are kMulti
// and run as phases (server/multi_key.h): search the source on its shard, copying the matches
// out, then write the destination on its shard; with no destination the search is one inline
// phase on the source's shard.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "server/collection_util.h"
#include "server/command_context.h"
#include "server/commands/zset_family.h"
#include "server/error_strings.h"
#include "server/multi_key.h"
#include "server/string_util.h"
#include "shard/geohash.h"
#include "shard/zset.h"

namespace shoal {

namespace {

using protocol::ReplyBuilder;
using Slot = DbSlice::Slot;

constexpr char kBadUnit[] = "ERR unsupported unit provided. please use M, KM, FT, MI";
constexpr char kBadMember[] = "ERR could not decode requested zset member";

// Redis's "%f"-formatted error for coordinates out of range.
std::string LonLatError(const double* xy) {
  int n = std::snprintf(nullptr, 0, "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
  std::string s(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(s.data(), s.size(), "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
  s.resize(static_cast<size_t>(n));
  return s;
}

// extractLongLatOrReply: args[0] longitude, args[1] latitude. "" or the error reply.
std::string ParseLonLat(std::string_view lon, std::string_view lat, double* xy) {
  if (!ParseDouble(lon, &xy[0]) || !ParseDouble(lat, &xy[1])) return errors::kNotFloat;
  if (xy[0] < geo::kLonMin || xy[0] > geo::kLonMax || xy[1] < geo::kLatMin || xy[1] > geo::kLatMax)
    return LonLatError(xy);
  return {};
}

// extractUnitOrReply: meters per unit, or -1 for an unknown unit.
double ParseUnit(std::string_view u) {
  if (EqNoCaseC(u, "m")) return 1;
  if (EqNoCaseC(u, "km")) return 1000;
  if (EqNoCaseC(u, "ft")) return 0.3048;
  if (EqNoCaseC(u, "mi")) return 1609.34;
  return -1;
}

// addReplyDoubleDistance: fixed point with 4 decimals, rounded as llrint rounds (to even).
std::string DistanceString(double d) {
  if (d == 0) return "0.0000";
  long long v = std::llrint(d * 10000.0);
  std::string out;
  unsigned long long u;
  if (v < 0) {
    out.push_back('-');
    u = 0ULL - static_cast<unsigned long long>(v);
  } else {
    u = static_cast<unsigned long long>(v);
  }
  std::string digits = std::to_string(u / 10000);
  char frac[8];
  std::snprintf(frac, sizeof(frac), ".%04llu", u % 10000);
  return out + digits + frac;
}

// addReplyHumanLongDouble: "%.17Lf" without trailing zeros; a bulk in RESP2, a double in RESP3.
void ReplyHumanDouble(ReplyBuilder* rb, double d) { rb->DoubleRepr(FormatLongDouble(d)); }

// `(long long)score` as x86-64 converts it (out of range: INT64_MIN).
int64_t ScoreAsInteger(double score) {
  if (!(score >= -9223372036854775808.0 && score < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(score);
}

// ---- GEOADD key [NX|XX] [CH] longitude latitude member [...] ----
void CmdGeoadd(ArgSlice args, CommandContext& ctx) {
  size_t lon_idx = 2;
  bool nx = false, xx = false;
  for (; lon_idx < args.size(); ++lon_idx) {
    std::string_view o = args[lon_idx];
    if (EqNoCaseC(o, "nx"))
      nx = true;
    else if (EqNoCaseC(o, "xx"))
      xx = true;
    else if (!EqNoCaseC(o, "ch"))
      break;
  }
  if ((args.size() - lon_idx) % 3 != 0 || (xx && nx)) return ctx.rb->Error(errors::kSyntax);
  // Redis runs (and logs) ZADD key [options] score member ... with the hashes as scores.
  const size_t elements = (args.size() - lon_idx) / 3;
  std::vector<std::string> zargs;
  zargs.reserve(lon_idx + elements * 2);
  zargs.emplace_back("zadd");
  for (size_t i = 1; i < lon_idx; ++i) zargs.emplace_back(args[i]);
  for (size_t i = 0; i < elements; ++i) {
    const size_t at = lon_idx + i * 3;
    double xy[2];
    std::string err = ParseLonLat(args[at], args[at + 1], xy);
    if (!err.empty()) return ctx.rb->Error(err);
    geo::HashBits hash;
    geo::EncodeWGS84(xy[0], xy[1], geo::kStepMax, &hash);
    zargs.push_back(std::to_string(geo::Align52(hash)));
    zargs.emplace_back(args[at + 2]);
  }
  std::vector<std::string_view> views(zargs.begin(), zargs.end());
  ZaddCommand(ArgSlice(views), ctx);
  ctx.Propagate(std::move(zargs));
}

// ---- GEOHASH / GEOPOS key member [member ...] ----
void CmdGeohash(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb->Array(args.size() - 2);
  for (size_t j = 2; j < args.size(); ++j) {
    double score;
    std::string hash;
    if (slot != nullptr && ZView(slot->entry()).Score(args[j], &score))
      hash = geo::StandardGeohash(score);
    if (hash.empty())
      ctx.rb->Null();
    else
      ctx.rb->Bulk(hash);
  }
}

void CmdGeopos(ArgSlice args, CommandContext& ctx) {
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb->Array(args.size() - 2);
  for (size_t j = 2; j < args.size(); ++j) {
    double score, xy[2];
    if (slot == nullptr || !ZView(slot->entry()).Score(args[j], &score) ||
        !geo::DecodeScore(score, xy)) {
      ctx.rb->NullArray();
      continue;
    }
    ctx.rb->Array(2);
    ReplyHumanDouble(ctx.rb, xy[0]);
    ReplyHumanDouble(ctx.rb, xy[1]);
  }
}

// ---- GEODIST key member1 member2 [M|KM|FT|MI] ----
void CmdGeodist(ArgSlice args, CommandContext& ctx) {
  double to_meters = 1;
  if (args.size() == 5) {
    to_meters = ParseUnit(args[4]);
    if (to_meters < 0) return ctx.rb->Error(kBadUnit);
  } else if (args.size() > 5) {
    return ctx.rb->Error(errors::kSyntax);
  }
  bool wrong;
  Slot* slot = FindTyped(ctx, args[1], ObjType::kZSet, &wrong);
  if (wrong) return;
  if (slot == nullptr) return ctx.rb->Null();
  ZView v(slot->entry());
  double s1, s2, xyxy[4];
  if (!v.Score(args[2], &s1) || !v.Score(args[3], &s2) || !geo::DecodeScore(s1, xyxy) ||
      !geo::DecodeScore(s2, xyxy + 2))
    return ctx.rb->Null();
  ctx.rb->Bulk(DistanceString(geo::Distance(xyxy[0], xyxy[1], xyxy[2], xyxy[3]) / to_meters));
}

// ---- the searches ----

enum SearchFlag : int {
  kByCoords = 1,      // GEORADIUS[_RO]: center from the arguments
  kByMember = 2,      // GEORADIUSBYMEMBER[_RO]: center from a member
  kNoStore = 4,       // the _RO forms: no STORE/STOREDIST
  kSearch = 8,        // GEOSEARCH's argument syntax
  kSearchStore = 16,  // GEOSEARCHSTORE: the destination is args[1], STOREDIST has no argument
};

struct Point {
  std::string member;
  double lon, lat, dist, score;
};

// What a search found, copied out of the source's shard; the reply (or the stored value) is made
// from it off that shard.
struct SearchResult {
  std::string error;       // non-empty: the reply
  size_t store_pos = 0;    // argument index of the destination key; 0 without one
  bool storedist = false;  // store distances instead of hashes
  bool withdist = false, withhash = false, withcoord = false;
  std::vector<Point> points;  // the reply's elements, in order; distances in the request's unit
};

// The score of a point, or false when the member is absent.
bool MemberLonLat(const ZView& v, std::string_view member, double* xy) {
  double score;
  return v.Score(member, &score) && geo::DecodeScore(score, xy);
}

// extractDistanceOrReply: <radius> <unit>. "" or the error.
std::string ParseRadius(ArgSlice args, size_t at, geo::Shape* shape) {
  double d;
  if (!ParseDouble(args[at], &d)) return "ERR need numeric radius";
  if (d < 0) return "ERR radius cannot be negative";
  shape->radius = d;
  double to_meters = ParseUnit(args[at + 1]);
  if (to_meters < 0) return kBadUnit;
  shape->conversion = to_meters;
  return {};
}

// extractBoxOrReply: <width> <height> <unit>.
std::string ParseBox(ArgSlice args, size_t at, geo::Shape* shape) {
  double w, h;
  if (!ParseDouble(args[at], &w)) return "ERR need numeric width";
  if (!ParseDouble(args[at + 1], &h)) return "ERR need numeric height";
  if (h < 0 || w < 0) return "ERR height or width cannot be negative";
  shape->height = h;
  shape->width = w;
  double to_meters = ParseUnit(args[at + 2]);
  if (to_meters < 0) return kBadUnit;
  shape->conversion = to_meters;
  return {};
}

// Appends the points of v with scores in [min, max) that lie in the shape, stopping once `limit`
// points are held (0: no limit) (geoGetPointsInRange).
void PointsInRange(const ZView& v, double min, double max, const geo::Shape& shape, size_t limit,
                   std::vector<Point>* out) {
  ZScoreRange range{min, max, false, true};
  for (ZIter it = v.FirstIn(range); it.valid(); it.Next()) {
    const double score = it.score();
    if (!range.LteMax(score)) break;
    double xy[2], dist = 0;
    if (geo::DecodeScore(score, xy) && geo::WithinShape(shape, xy[0], xy[1], &dist))
      out->push_back({std::string(it.member()), xy[0], xy[1], dist, score});
    if (!out->empty() && limit != 0 && out->size() >= limit) break;
  }
}

// The centre box, then its neighbours (membersOfAllNeighbors): a box equal to the one scanned
// just before (huge radii make neighbours coincide) is skipped.
void PointsInAreas(const ZView& v, const geo::SearchAreas& a, const geo::Shape& shape, size_t limit,
                   std::vector<Point>* out) {
  const geo::Neighbors& n = a.neighbors;
  const geo::HashBits boxes[9] = {a.hash,       n.north,      n.south,      n.east,      n.west,
                                  n.north_east, n.north_west, n.south_east, n.south_west};
  int last = -1;
  for (int i = 0; i < 9; ++i) {
    if (boxes[i].zero()) continue;
    if (last > 0 && boxes[i].bits == boxes[last].bits && boxes[i].step == boxes[last].step)
      continue;
    if (!out->empty() && limit != 0 && out->size() >= limit) break;
    uint64_t min, max;
    geo::ScoresOfBox(boxes[i], &min, &max);
    PointsInRange(v, static_cast<double>(min), static_cast<double>(max), shape, limit, out);
    last = i;
  }
}

// Orders pts so that ranks [lo, hi] hold what a full sort would put there, with equal elements
// (cmp 0) left exactly where Redis's pqsort leaves them: the same algorithm (Bentley and
// McIlroy's three-way quicksort from "Engineering a Sort Function", skipping the parts that lie
// wholly outside [lo, hi]), so COUNT cuts through ties as Redis's do. cmp(a, b) < 0, 0, > 0.
template <typename Cmp>
void PartialSort(std::vector<Point>& pts, size_t lo, size_t hi, Cmp cmp) {
  auto at = [&pts](size_t i) -> Point& { return pts[i]; };
  auto swap = [&pts](size_t i, size_t j) { std::swap(pts[i], pts[j]); };
  auto med3 = [&](size_t a, size_t b, size_t c) {
    return cmp(at(a), at(b)) < 0 ? (cmp(at(b), at(c)) < 0 ? b : (cmp(at(a), at(c)) < 0 ? c : a))
                                 : (cmp(at(b), at(c)) > 0 ? b : (cmp(at(a), at(c)) < 0 ? a : c));
  };
  // Whether the elements [s, e) may hold a rank in [lo, hi].
  auto overlaps = [lo, hi](size_t s, size_t e) { return !(hi < s || lo >= e); };
  struct Part {
    size_t start, n;
  };
  std::vector<Part> todo{{0, pts.size()}};
  while (!todo.empty()) {
    auto [base, n] = todo.back();
    todo.pop_back();
    for (;;) {
      if (n < 7) {  // insertion sort by adjacent swaps
        for (size_t m = base + 1; m < base + n; ++m)
          for (size_t l = m; l > base && cmp(at(l - 1), at(l)) > 0; --l) swap(l, l - 1);
        break;
      }
      size_t pm = base + n / 2;
      if (n > 7) {
        size_t pl = base, pn = base + n - 1;
        if (n > 40) {
          size_t d = n / 8;
          pl = med3(pl, pl + d, pl + 2 * d);
          pm = med3(pm - d, pm, pm + d);
          pn = med3(pn - 2 * d, pn - d, pn);
        }
        pm = med3(pl, pm, pn);
      }
      swap(base, pm);
      // Equal to the pivot: gathered at both ends, then swapped into the middle.
      size_t pa = base + 1, pb = base + 1, pc = base + n - 1, pd = base + n - 1;
      for (;;) {
        int r;
        while (pb <= pc && (r = cmp(at(pb), at(base))) <= 0) {
          if (r == 0) swap(pa++, pb);
          ++pb;
        }
        while (pb <= pc && (r = cmp(at(pc), at(base))) >= 0) {
          if (r == 0) swap(pc, pd--);
          --pc;
        }
        if (pb > pc) break;
        swap(pb++, pc--);
      }
      const size_t end = base + n;
      auto vecswap = [&](size_t a, size_t b, size_t k) {
        for (size_t i = 0; i < k; ++i) swap(a + i, b + i);
      };
      size_t r = std::min(pa - base, pb - pa);
      vecswap(base, pb - r, r);
      r = std::min(pd - pc, end - pd - 1);
      vecswap(pb, end - r, r);
      // Redis recurses into the left part and loops on the right one; they are disjoint, so the
      // order they are sorted in does not matter.
      const size_t left = pb - pa, right = pd - pc;
      if (right > 1 && overlaps(end - right, end)) todo.push_back({end - right, right});
      if (left > 1 && overlaps(base, base + left)) {
        n = left;
        continue;
      }
      break;
    }
  }
}

// georadiusGeneric up to the reply, on the source's shard: the lookup, the arguments (checked in
// Redis's order, member centres read as they are parsed), the search, the sort and the COUNT cut.
void Search(DbSlice& slice, DbIndex db, ArgSlice args, size_t src_idx, int flags,
            SearchResult* out) {
  bool wrong;
  Slot* slot = slice.FindRead(db, args[src_idx], ObjType::kZSet, &wrong);
  if (wrong) {
    out->error = errors::kWrongType;
    return;
  }
  std::optional<ZView> zv;
  if (slot != nullptr) zv.emplace(slot->entry());

  size_t base;
  geo::Shape shape;
  std::string err;
  if (flags & kByCoords) {
    base = 6;
    shape.type = geo::Shape::kCircle;
    err = ParseLonLat(args[2], args[3], shape.xy);
    if (err.empty()) err = ParseRadius(args, 4, &shape);
  } else if (flags & kByMember) {
    base = 5;
    // With no source the arguments are still parsed, for the reply's form (Redis skips the
    // member and the radius then).
    if (zv) {
      shape.type = geo::Shape::kCircle;
      if (!MemberLonLat(*zv, args[2], shape.xy))
        err = kBadMember;
      else
        err = ParseRadius(args, 3, &shape);
    }
  } else {
    base = 2;
    if (flags & kSearchStore) {
      base = 3;
      out->store_pos = 1;
    }
  }
  if (!err.empty()) {
    out->error = std::move(err);
    return;
  }

  bool frommember = false, fromloc = false, byradius = false, bybox = false, any = false;
  enum { kNone, kAsc, kDesc } sort = kNone;
  int64_t count = 0;
  const size_t n = args.size();
  auto fail = [out](std::string e) { out->error = std::move(e); };
  for (size_t i = base; i < n; ++i) {
    std::string_view a = args[i];
    const size_t left = n - i - 1;  // arguments after this one
    if (EqNoCaseC(a, "withdist")) {
      out->withdist = true;
    } else if (EqNoCaseC(a, "withhash")) {
      out->withhash = true;
    } else if (EqNoCaseC(a, "withcoord")) {
      out->withcoord = true;
    } else if (EqNoCaseC(a, "any")) {
      any = true;
    } else if (EqNoCaseC(a, "asc")) {
      sort = kAsc;
    } else if (EqNoCaseC(a, "desc")) {
      sort = kDesc;
    } else if (EqNoCaseC(a, "count") && left >= 1) {
      if (!ParseInt64(args[i + 1], &count)) return fail(errors::kNotInteger);
      if (count <= 0) return fail(errors::kCountPositive);
      ++i;
    } else if ((EqNoCaseC(a, "store") || EqNoCaseC(a, "storedist")) && left >= 1 &&
               !(flags & kNoStore) && !(flags & kSearch)) {
      out->store_pos = i + 1;
      out->storedist = EqNoCaseC(a, "storedist");
      ++i;
    } else if (EqNoCaseC(a, "storedist") && (flags & kSearch) && (flags & kSearchStore)) {
      out->storedist = true;
    } else if (EqNoCaseC(a, "frommember") && left >= 1 && (flags & kSearch) && !fromloc) {
      if (zv && !MemberLonLat(*zv, args[i + 1], shape.xy)) return fail(kBadMember);
      frommember = true;
      ++i;
    } else if (EqNoCaseC(a, "fromlonlat") && left >= 2 && (flags & kSearch) && !frommember) {
      err = ParseLonLat(args[i + 1], args[i + 2], shape.xy);
      if (!err.empty()) return fail(std::move(err));
      fromloc = true;
      i += 2;
    } else if (EqNoCaseC(a, "byradius") && left >= 2 && (flags & kSearch) && !bybox) {
      err = ParseRadius(args, i + 1, &shape);
      if (!err.empty()) return fail(std::move(err));
      shape.type = geo::Shape::kCircle;
      byradius = true;
      i += 2;
    } else if (EqNoCaseC(a, "bybox") && left >= 3 && (flags & kSearch) && !byradius) {
      err = ParseBox(args, i + 1, &shape);
      if (!err.empty()) return fail(std::move(err));
      shape.type = geo::Shape::kBox;
      bybox = true;
      i += 3;
    } else {
      return fail(errors::kSyntax);
    }
  }

  if (out->store_pos != 0 && (out->withdist || out->withhash || out->withcoord)) {
    return fail(
        std::string(flags & kSearchStore ? "ERR GEOSEARCHSTORE" : "ERR STORE option in GEORADIUS") +
        " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
  }
  if ((flags & kSearch) && !(frommember || fromloc)) {
    return fail("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                std::string(args[0]));
  }
  if ((flags & kSearch) && !(byradius || bybox)) {
    return fail("ERR exactly one of BYRADIUS and BYBOX can be specified for " +
                std::string(args[0]));
  }
  if (any && count == 0) return fail("ERR the ANY argument requires COUNT argument");
  if (!zv) return;  // no source: an empty reply, or 0 with the destination deleted

  // COUNT alone means the nearest ones.
  if (count != 0 && sort == kNone && !any) sort = kAsc;

  geo::SearchAreas areas = geo::AreasByShape(&shape);
  auto& pts = out->points;
  PointsInAreas(*zv, areas, shape, any ? static_cast<size_t>(count) : 0, &pts);

  const size_t returned =
      (count == 0 || pts.size() < static_cast<uint64_t>(count)) ? pts.size() : count;
  if (sort != kNone) {
    // Redis's comparators: by distance only.
    auto asc = [](const Point& a, const Point& b) {
      return a.dist > b.dist ? 1 : (a.dist == b.dist ? 0 : -1);
    };
    auto desc = [&asc](const Point& a, const Point& b) { return -asc(a, b); };
    if (returned == pts.size()) {
      // Redis's qsort (glibc's merge sort) keeps equal distances in scan order.
      auto less = [&](const Point& a, const Point& b) {
        return (sort == kAsc ? asc(a, b) : desc(a, b)) < 0;
      };
      std::stable_sort(pts.begin(), pts.end(), less);
    } else if (sort == kAsc) {
      PartialSort(pts, 0, returned - 1, asc);
    } else {
      PartialSort(pts, 0, returned - 1, desc);
    }
  }
  pts.resize(returned);
  for (Point& p : pts) p.dist /= shape.conversion;
}

void ReplySearch(ReplyBuilder* rb, const SearchResult& r) {
  if (!r.error.empty()) return rb->Error(r.error);
  if (r.store_pos != 0) return rb->Integer(static_cast<int64_t>(r.points.size()));
  const size_t options = r.withdist + r.withhash + r.withcoord;
  rb->Array(r.points.size());
  for (const Point& p : r.points) {
    if (options != 0) rb->Array(options + 1);
    rb->Bulk(p.member);
    if (r.withdist) rb->Bulk(DistanceString(p.dist));
    if (r.withhash) rb->Integer(ScoreAsInteger(p.score));
    if (r.withcoord) {
      rb->Array(2);
      ReplyHumanDouble(rb, p.lon);
      ReplyHumanDouble(rb, p.lat);
    }
  }
}

// The destination of a STORE search: the matches as a sorted set (hashes or distances as scores),
// or the key deleted when there are none.
void StoreSearch(DbSlice& slice, DbIndex db, std::string_view key, const SearchResult& r,
                 bool geosearch) {
  std::vector<ZElement> elems;
  elems.reserve(r.points.size());
  for (const Point& p : r.points) elems.emplace_back(p.member, r.storedist ? p.dist : p.score);
  std::sort(elems.begin(), elems.end(), ZElementLess);
  StoreSortedSet(slice, db, key, elems, geosearch ? "geosearchstore" : "georadiusstore");
}

// georadiusGetKeys: the last STORE/STOREDIST destination from argument 5 on.
size_t StorePosition(ArgSlice args) {
  size_t pos = 0;
  for (size_t i = 5; i < args.size(); ++i) {
    if ((EqNoCaseC(args[i], "store") || EqNoCaseC(args[i], "storedist")) && i + 1 < args.size()) {
      pos = i + 1;
      ++i;
    }
  }
  return pos;
}

bool GeoradiusKeys(ArgSlice args, std::vector<uint32_t>* out) {
  if (size_t pos = StorePosition(args)) out->push_back(static_cast<uint32_t>(pos));
  return true;
}

// The read-only forms (kShard).
void SearchOnShard(ArgSlice args, CommandContext& ctx, int flags) {
  SearchResult r;
  Search(ctx.slice(), ctx.db_index, args, 1, flags, &r);
  ReplySearch(ctx.rb, r);
}

// The forms that may store (kMulti): search the source, then write the destination.
void SearchAndStore(ArgSlice args, CommandContext& ctx, int flags) {
  const bool geosearch = flags & kSearchStore;
  const size_t src = geosearch ? 2 : 1;
  // The destination the router locked: the parser finds the same one whenever it accepts the
  // arguments.
  const size_t dst = geosearch ? 1 : StorePosition(args);
  auto st = std::make_shared<SearchResult>();
  const DbIndex db = ctx.db_index;
  CommandContext* c = &ctx;
  std::vector<Phase> phases;
  phases.push_back({{static_cast<uint32_t>(src)},
                    [st, args, db, src, flags](Shard& shard, const std::vector<uint32_t>&) {
                      Search(shard.db_slice(), db, args, src, flags, st.get());
                    }});
  if (dst != 0) {
    phases.push_back({{static_cast<uint32_t>(dst)},
                      [st, args, db, dst, geosearch](Shard& shard, const std::vector<uint32_t>&) {
                        if (!st->error.empty() || st->store_pos != dst) return;
                        StoreSearch(shard.db_slice(), db, args[dst], *st, geosearch);
                      }});
  }
  RunPhases(ctx, args, std::move(phases), [st, c, dst] {
    if (st->error.empty() && st->store_pos != dst) st->error = errors::kSyntax;
    ReplySearch(c->rb, *st);
    c->Done();
  });
}

void CmdGeoradius(ArgSlice args, CommandContext& ctx) { SearchAndStore(args, ctx, kByCoords); }
void CmdGeoradiusByMember(ArgSlice args, CommandContext& ctx) {
  SearchAndStore(args, ctx, kByMember);
}
void CmdGeoradiusRo(ArgSlice args, CommandContext& ctx) {
  SearchOnShard(args, ctx, kByCoords | kNoStore);
}
void CmdGeoradiusByMemberRo(ArgSlice args, CommandContext& ctx) {
  SearchOnShard(args, ctx, kByMember | kNoStore);
}
void CmdGeosearch(ArgSlice args, CommandContext& ctx) { SearchOnShard(args, ctx, kSearch); }
void CmdGeosearchstore(ArgSlice args, CommandContext& ctx) {
  SearchAndStore(args, ctx, kSearch | kSearchStore);
}

}  // namespace

void RegisterGeoFamily(CommandRegistry& r) {
  using namespace cmd_flag;
  using enum CmdMode;
  // clang-format off
  r.AddFamily(acl_cat::kGeo, {
      {.name = "geoadd", .arity = -5, .flags = kWrite | kDenyOom, .mode = kShard, .fn = CmdGeoadd},
      {.name = "geodist", .arity = -4, .flags = kReadOnly, .mode = kShard, .fn = CmdGeodist},
      {.name = "geohash", .arity = -2, .flags = kReadOnly, .mode = kShard, .fn = CmdGeohash},
      {.name = "geopos", .arity = -2, .flags = kReadOnly, .mode = kShard, .fn = CmdGeopos},
      {.name = "georadius", .arity = -6, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdGeoradius, .getkeys = GeoradiusKeys},
      {.name = "georadiusbymember", .arity = -5, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdGeoradiusByMember, .getkeys = GeoradiusKeys},
      {.name = "georadius_ro", .arity = -6, .flags = kReadOnly, .mode = kShard,
       .fn = CmdGeoradiusRo},
      {.name = "georadiusbymember_ro", .arity = -5, .flags = kReadOnly, .mode = kShard,
       .fn = CmdGeoradiusByMemberRo},
      {.name = "geosearch", .arity = -7, .flags = kReadOnly, .mode = kShard, .fn = CmdGeosearch},
      {.name = "geosearchstore", .arity = -8, .flags = kWrite | kDenyOom, .mode = kMulti,
       .fn = CmdGeosearchstore},
  });
  // clang-format on
}

}  // namespace shoal
