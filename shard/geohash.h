// Geohash math for the GEO commands, with Redis 7.0's numbers (geohash.c, geohash_helper.c): a
// point is a 52-bit interleaved hash (26 steps of longitude and latitude each, latitude in the even
// bits) over longitude [-180, 180] and latitude [-85.05112878, 85.05112878] (EPSG:3857's limits),
// stored as a sorted-set score. Searches cover a shape (a circle or a box) with the geohash box
// holding its centre and that box's 8 neighbours at a step chosen from the shape's size, then test
// every candidate with the haversine distance on a sphere of radius 6372797.560856 m.
//
// Every formula keeps Redis's order of floating-point operations so coordinates, distances and
// hashes come out with the same digits. Pure functions: no state, callable from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace shoal::geo {

inline constexpr int kStepMax = 26;  // 52 bits
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr double kEarthRadiusMeters = 6372797.560856;

struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool zero() const { return bits == 0 && step == 0; }  // HASHISZERO: an excluded box
};

struct Range {
  double min = 0;
  double max = 0;
};

struct Area {
  HashBits hash;
  Range lon;
  Range lat;
};

struct Neighbors {
  HashBits north, east, west, south, north_east, south_east, north_west, south_west;
};

// The hash of (lon, lat) at `step` (1..32) over the given ranges; false when the point is outside
// them or outside the WGS84 limits above.
bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, uint8_t step,
            HashBits* out);
// Over the limits above.
bool EncodeWGS84(double lon, double lat, uint8_t step, HashBits* out);
// The box of a hash over the given ranges; false for a zero hash.
bool Decode(const Range& lon_range, const Range& lat_range, const HashBits& hash, Area* out);
// The box's centre, clamped to the limits: xy[0] longitude, xy[1] latitude.
bool DecodeToLonLat(const HashBits& hash, double* xy);
// A sorted-set score as a 52-bit hash (Redis's decodeGeohash; the score is converted to an
// integer as x86-64 converts a double to uint64_t).
bool DecodeScore(double score, double* xy);
// The hash as a 52-bit score.
uint64_t Align52(const HashBits& hash);
void GetNeighbors(const HashBits& hash, Neighbors* out);

// Distances in meters (haversine; arguments longitude first).
double LatDistance(double lat1, double lat2);
double Distance(double lon1, double lat1, double lon2, double lat2);

// A search area: a circle (radius) or a box (width x height) around xy, in the unit whose size in
// meters is `conversion`. bounds: the lon/lat bounding box (min lon, min lat, max lon, max lat),
// filled by AreasByShape.
struct Shape {
  enum Type { kCircle = 1, kBox = 2 };
  Type type = kCircle;
  double xy[2] = {0, 0};
  double conversion = 1;
  double radius = 0;
  double width = 0;
  double height = 0;
  double bounds[4] = {0, 0, 0, 0};
};

// Whether the point (lon, lat) lies in the shape; *distance gets its distance from the centre in
// meters (set only when it does).
bool WithinShape(const Shape& shape, double lon, double lat, double* distance);

// The step whose boxes are about the size of range_meters at this latitude.
uint8_t EstimateStepsByRadius(double range_meters, double lat);

// The centre box and its neighbours to scan for a shape (geohashCalculateAreasByShapeWGS84);
// neighbours that cannot hold a match are zeroed. Fills shape->bounds.
struct SearchAreas {
  HashBits hash;
  Neighbors neighbors;
  Area area;
};
SearchAreas AreasByShape(Shape* shape);

// The score interval [*min, *max) holding every point of a box.
void ScoresOfBox(HashBits hash, uint64_t* min, uint64_t* max);

// GEOHASH's 11-character standard geohash of a stored score (re-encoded over latitude [-90, 90]);
// empty when the score cannot be decoded.
std::string StandardGeohash(double score);

}  // namespace shoal::geo
