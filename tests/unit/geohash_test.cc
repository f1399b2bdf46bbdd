// Unit tests for the geohash math (shard/geohash.h): encode/decode against the values Redis 7.0
// gives (GEOADD scores, GEOPOS coordinates, GEOHASH strings, GEODIST distances), neighbours and
// their wrap-around, the step estimate and the search areas around a shape.
#include "shard/geohash.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "base/numbers.h"

namespace shoal::geo {
namespace {

double ScoreOf(double lon, double lat) {
  HashBits h;
  REQUIRE(EncodeWGS84(lon, lat, kStepMax, &h));
  return static_cast<double>(Align52(h));
}

TEST_CASE("geohash: scores, positions and hashes are Redis's", "[geo]") {
  // GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
  const double palermo = ScoreOf(13.361389, 38.115556);
  const double catania = ScoreOf(15.087269, 37.502669);
  CHECK(palermo == 3479099956230698.0);
  CHECK(catania == 3479447370796909.0);
  double xy[2];
  REQUIRE(DecodeScore(palermo, xy));
  // GEOPOS prints them with "%.17Lf", trailing zeros removed.
  CHECK(FormatLongDouble(xy[0]) == "13.36138933897018433");
  CHECK(FormatLongDouble(xy[1]) == "38.11555639549629859");
  CHECK(StandardGeohash(palermo) == "sqc8b49rny0");
  CHECK(StandardGeohash(catania) == "sqdtr74hyu0");
  double c[2];
  REQUIRE(DecodeScore(catania, c));
  // GEODIST Sicily Palermo Catania: 166274.1516 (4 decimals, rounded by llrint).
  CHECK(std::llrint(Distance(xy[0], xy[1], c[0], c[1]) * 10000.0) == 1662741516);
  CHECK(Distance(xy[0], xy[1], xy[0], xy[1]) == 0);
}

TEST_CASE("geohash: limits", "[geo]") {
  HashBits h;
  CHECK(EncodeWGS84(-180, -85.05112878, kStepMax, &h));
  CHECK(Align52(h) == 0);
  // The upper limits overflow their 26 bits into the next ones, exactly as in Redis.
  CHECK(EncodeWGS84(180, 85.05112878, kStepMax, &h));
  CHECK(Align52(h) == 13510798882111488ULL);
  CHECK_FALSE(EncodeWGS84(180.0000001, 0, kStepMax, &h));
  CHECK_FALSE(EncodeWGS84(0, 85.051129, kStepMax, &h));
  CHECK_FALSE(EncodeWGS84(0, 0, 0, &h));
  CHECK_FALSE(EncodeWGS84(0, 0, 33, &h));
  // Any score decodes (clamped to the limits), as Redis's decodeGeohash never fails.
  double xy[2];
  CHECK(DecodeScore(-1, xy));
  CHECK(xy[0] <= kLonMax);
  CHECK(xy[1] <= kLatMax);
  CHECK(DecodeScore(1e300, xy));
}

TEST_CASE("geohash: encode and decode round-trip inside the box", "[geo]") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lon(-180, 180), lat(kLatMin, kLatMax);
  for (int i = 0; i < 10000; ++i) {
    const double x = lon(rng), y = lat(rng);
    HashBits h;
    REQUIRE(EncodeWGS84(x, y, kStepMax, &h));
    Area a;
    REQUIRE(Decode(Range{kLonMin, kLonMax}, Range{kLatMin, kLatMax}, h, &a));
    CHECK(a.lon.min <= x);
    CHECK(x <= a.lon.max);
    CHECK(a.lat.min <= y);
    CHECK(y <= a.lat.max);
    double xy[2];
    REQUIRE(DecodeScore(static_cast<double>(Align52(h)), xy));
    CHECK(std::fabs(xy[0] - x) < 1e-5);
    CHECK(std::fabs(xy[1] - y) < 1e-5);
  }
}

TEST_CASE("geohash: neighbours", "[geo]") {
  HashBits h;
  REQUIRE(EncodeWGS84(13.361389, 38.115556, 10, &h));
  Neighbors n;
  GetNeighbors(h, &n);
  Neighbors back;
  GetNeighbors(n.east, &back);
  CHECK(back.west.bits == h.bits);
  GetNeighbors(n.north, &back);
  CHECK(back.south.bits == h.bits);
  GetNeighbors(n.south_west, &back);
  CHECK(back.north_east.bits == h.bits);
  Area a, e;
  const Range lon{kLonMin, kLonMax}, lat{kLatMin, kLatMax};
  REQUIRE(Decode(lon, lat, h, &a));
  REQUIRE(Decode(lon, lat, n.east, &e));
  CHECK(e.lon.min == Approx(a.lon.max));
  CHECK(e.lat.min == a.lat.min);
  // East of the last column is the first one (the antimeridian wraps).
  REQUIRE(EncodeWGS84(179.99, 0, 10, &h));
  GetNeighbors(h, &n);
  REQUIRE(Decode(lon, lat, n.east, &e));
  CHECK(e.lon.min == kLonMin);
}

TEST_CASE("geohash: step estimate", "[geo]") {
  CHECK(EstimateStepsByRadius(0, 0) == 26);
  CHECK(EstimateStepsByRadius(1, 0) == 24);
  CHECK(EstimateStepsByRadius(1000, 0) == 14);
  CHECK(EstimateStepsByRadius(1000, 70) == 13);
  CHECK(EstimateStepsByRadius(1000, -81) == 12);
  CHECK(EstimateStepsByRadius(5e7, 0) == 1);
}

TEST_CASE("geohash: shapes and their search areas", "[geo]") {
  Shape s;
  s.type = Shape::kCircle;
  s.xy[0] = 15;
  s.xy[1] = 37;
  s.radius = 200;
  s.conversion = 1000;
  double d = -1;
  double palermo[2], catania[2];
  REQUIRE(DecodeScore(3479099956230698.0, palermo));
  REQUIRE(DecodeScore(3479447370796909.0, catania));
  CHECK(WithinShape(s, catania[0], catania[1], &d));
  CHECK(std::llrint(d / 1000 * 10000) == 564413);  // GEORADIUS ... WITHDIST: 56.4413 km
  CHECK(WithinShape(s, palermo[0], palermo[1], &d));
  s.radius = 100;
  CHECK_FALSE(WithinShape(s, palermo[0], palermo[1], &d));

  // Every point of the circle lies in one of the boxes kept.
  SearchAreas a = AreasByShape(&s);
  CHECK(s.bounds[0] < 15);
  CHECK(s.bounds[2] > 15);
  CHECK(s.bounds[1] < 37);
  CHECK(s.bounds[3] > 37);
  uint64_t min, max;
  ScoresOfBox(a.hash, &min, &max);
  HashBits centre;
  REQUIRE(EncodeWGS84(15, 37, kStepMax, &centre));
  CHECK(min <= Align52(centre));
  CHECK(Align52(centre) < max);

  Shape box;
  box.type = Shape::kBox;
  box.xy[0] = 15;
  box.xy[1] = 37;
  box.width = 400;
  box.height = 400;
  box.conversion = 1000;
  CHECK(WithinShape(box, catania[0], catania[1], &d));
  box.height = 100;  // Palermo is 124 km north of the centre
  CHECK_FALSE(WithinShape(box, palermo[0], palermo[1], &d));
}

}  // namespace
}  // namespace shoal::geo
