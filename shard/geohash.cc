// Geohash math (see geohash.h). The expressions follow Redis's operation order on purpose; this
// file is compiled with -ffp-contract=off so no multiply-add is fused where Redis's build does not.
#include "shard/geohash.h"

#include <cmath>

namespace shoal::geo {

namespace {

constexpr double kDegToRad = M_PI / 180.0;
constexpr double kMercatorMax = 20037726.37;

double DegRad(double ang) { return ang * kDegToRad; }
double RadDeg(double ang) { return ang / kDegToRad; }

// Spreads the 32 bits of x over the even bits and those of y over the odd bits.
uint64_t Interleave(uint32_t xlo, uint32_t ylo) {
  static constexpr uint64_t kB[] = {0x5555555555555555ULL, 0x3333333333333333ULL,
                                    0x0F0F0F0F0F0F0F0FULL, 0x00FF00FF00FF00FFULL,
                                    0x0000FFFF0000FFFFULL};
  uint64_t x = xlo, y = ylo;
  for (int i = 4; i >= 0; --i) {
    x = (x | (x << (1u << i))) & kB[i];
    y = (y | (y << (1u << i))) & kB[i];
  }
  return x | (y << 1);
}

// The inverse: even bits to the low word, odd bits to the high word.
uint64_t Deinterleave(uint64_t v) {
  static constexpr uint64_t kB[] = {0x5555555555555555ULL, 0x3333333333333333ULL,
                                    0x0F0F0F0F0F0F0F0FULL, 0x00FF00FF00FF00FFULL,
                                    0x0000FFFF0000FFFFULL, 0x00000000FFFFFFFFULL};
  uint64_t x = v, y = v >> 1;
  x &= kB[0];
  y &= kB[0];
  for (int i = 1; i <= 5; ++i) {
    x = (x | (x >> (1u << (i - 1)))) & kB[i];
    y = (y | (y >> (1u << (i - 1)))) & kB[i];
  }
  return x | (y << 32);
}

Range LonRange() { return {kLonMin, kLonMax}; }
Range LatRange() { return {kLatMin, kLatMax}; }

bool RangeZero(const Range& r) { return r.max == 0 && r.min == 0; }

// Moves a hash one box east (d > 0) or west (d < 0), wrapping around.
void MoveX(HashBits* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  uint64_t zz = 0x5555555555555555ULL >> (64 - hash->step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

// North (d > 0) or south (d < 0).
void MoveY(HashBits* hash, int d) {
  if (d == 0) return;
  uint64_t x = hash->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = hash->bits & 0x5555555555555555ULL;
  uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - hash->step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - hash->step * 2));
  hash->bits = x | y;
}

HashBits Moved(const HashBits& h, int dx, int dy) {
  HashBits r = h;
  MoveX(&r, dx);
  MoveY(&r, dy);
  return r;
}

// What `(uint64_t)d` gives on x86-64 (cvttsd2si, with the 2^63 adjustment for large values):
// out-of-range values and NaN convert to 2^63 before the adjustment.
uint64_t X86DoubleToU64(double d) {
  constexpr double kTwo63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = 0x8000000000000000ULL;
  auto trunc = [](double v) -> uint64_t {
    if (!(v >= -kTwo63 && v < kTwo63)) return kIndefinite;  // NaN and out of range
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  };
  if (!(d >= kTwo63)) return trunc(d);
  return trunc(d - kTwo63) ^ kIndefinite;
}

}  // namespace

bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, uint8_t step,
            HashBits* out) {
  if (step > 32 || step == 0 || RangeZero(lat_range) || RangeZero(lon_range)) return false;
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return false;
  out->bits = 0;
  out->step = step;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max)
    return false;
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  out->bits = Interleave(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(lon_offset));
  return true;
}

bool EncodeWGS84(double lon, double lat, uint8_t step, HashBits* out) {
  return Encode(LonRange(), LatRange(), lon, lat, step, out);
}

bool Decode(const Range& lon_range, const Range& lat_range, const HashBits& hash, Area* out) {
  if (hash.zero() || RangeZero(lat_range) || RangeZero(lon_range)) return false;
  out->hash = hash;
  uint8_t step = hash.step;
  uint64_t sep = Deinterleave(hash.bits);
  double lat_scale = lat_range.max - lat_range.min;
  double lon_scale = lon_range.max - lon_range.min;
  uint32_t ilat = static_cast<uint32_t>(sep);
  uint32_t ilon = static_cast<uint32_t>(sep >> 32);
  const double div = static_cast<double>(1ULL << step);
  out->lat.min = lat_range.min + (ilat * 1.0 / div) * lat_scale;
  out->lat.max = lat_range.min + ((ilat + 1) * 1.0 / div) * lat_scale;
  out->lon.min = lon_range.min + (ilon * 1.0 / div) * lon_scale;
  out->lon.max = lon_range.min + ((ilon + 1) * 1.0 / div) * lon_scale;
  return true;
}

bool DecodeToLonLat(const HashBits& hash, double* xy) {
  Area area;
  if (!Decode(LonRange(), LatRange(), hash, &area)) return false;
  xy[0] = (area.lon.min + area.lon.max) / 2;
  if (xy[0] > kLonMax) xy[0] = kLonMax;
  if (xy[0] < kLonMin) xy[0] = kLonMin;
  xy[1] = (area.lat.min + area.lat.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
  return true;
}

bool DecodeScore(double score, double* xy) {
  HashBits hash{X86DoubleToU64(score), kStepMax};
  return DecodeToLonLat(hash, xy);
}

uint64_t Align52(const HashBits& hash) { return hash.bits << (52 - hash.step * 2); }

void GetNeighbors(const HashBits& hash, Neighbors* out) {
  out->east = Moved(hash, 1, 0);
  out->west = Moved(hash, -1, 0);
  out->south = Moved(hash, 0, -1);
  out->north = Moved(hash, 0, 1);
  out->north_west = Moved(hash, -1, 1);
  out->north_east = Moved(hash, 1, 1);
  out->south_east = Moved(hash, 1, -1);
  out->south_west = Moved(hash, -1, -1);
}

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(DegRad(lat2) - DegRad(lat1));
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  double lon1r = DegRad(lon1);
  double lon2r = DegRad(lon2);
  double v = std::sin((lon2r - lon1r) / 2);
  // Same longitude: the latitude difference alone (Redis's shortcut, kept for its digits).
  if (v == 0.0) return LatDistance(lat1, lat2);
  double lat1r = DegRad(lat1);
  double lat2r = DegRad(lat2);
  double u = std::sin((lat2r - lat1r) / 2);
  double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

bool WithinShape(const Shape& shape, double lon, double lat, double* distance) {
  if (shape.type == Shape::kCircle) {
    double d = Distance(shape.xy[0], shape.xy[1], lon, lat);
    if (d > shape.radius * shape.conversion) return false;
    *distance = d;
    return true;
  }
  // The box: latitude first (cheaper), then the longitude distance along the point's latitude.
  const double width_m = shape.width * shape.conversion;
  const double height_m = shape.height * shape.conversion;
  if (LatDistance(lat, shape.xy[1]) > height_m / 2) return false;
  if (Distance(lon, lat, shape.xy[0], lat) > width_m / 2) return false;
  *distance = Distance(shape.xy[0], shape.xy[1], lon, lat);
  return true;
}

uint8_t EstimateStepsByRadius(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // so the range fits in most cases
  // Boxes narrow towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return static_cast<uint8_t>(step);
}

namespace {

void BoundingBox(Shape* shape) {
  double lon = shape->xy[0];
  double lat = shape->xy[1];
  bool circle = shape->type == Shape::kCircle;
  double height = shape->conversion * (circle ? shape->radius : shape->height / 2);
  double width = shape->conversion * (circle ? shape->radius : shape->width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double lon_delta_top =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(lat + lat_delta)));
  const double lon_delta_bottom =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(lat - lat_delta)));
  // The wider edge is the one nearer the equator.
  bool south = lat < 0;
  shape->bounds[0] = south ? lon - lon_delta_bottom : lon - lon_delta_top;
  shape->bounds[2] = south ? lon + lon_delta_bottom : lon + lon_delta_top;
  shape->bounds[1] = lat - lat_delta;
  shape->bounds[3] = lat + lat_delta;
}

}  // namespace

SearchAreas AreasByShape(Shape* shape) {
  BoundingBox(shape);
  const double min_lon = shape->bounds[0], min_lat = shape->bounds[1];
  const double max_lon = shape->bounds[2], max_lat = shape->bounds[3];
  const double lon = shape->xy[0], lat = shape->xy[1];
  // A box is searched as the circle through its corners.
  double radius_meters = shape->type == Shape::kCircle
                             ? shape->radius
                             : std::sqrt((shape->width / 2) * (shape->width / 2) +
                                         (shape->height / 2) * (shape->height / 2));
  radius_meters *= shape->conversion;

  int steps = EstimateStepsByRadius(radius_meters, lat);
  const Range lon_range = LonRange(), lat_range = LatRange();
  SearchAreas r;
  Encode(lon_range, lat_range, lon, lat, steps, &r.hash);
  GetNeighbors(r.hash, &r.neighbors);
  Decode(lon_range, lat_range, r.hash, &r.area);

  // The estimated step may leave part of the shape outside the 3x3 boxes when the centre lies
  // near an edge of its box: then one step coarser.
  bool decrease = false;
  {
    Area north, south, east, west;
    Decode(lon_range, lat_range, r.neighbors.north, &north);
    Decode(lon_range, lat_range, r.neighbors.south, &south);
    Decode(lon_range, lat_range, r.neighbors.east, &east);
    Decode(lon_range, lat_range, r.neighbors.west, &west);
    if (north.lat.max < max_lat) decrease = true;
    if (south.lat.min > min_lat) decrease = true;
    if (east.lon.max < max_lon) decrease = true;
    if (west.lon.min > min_lon) decrease = true;
  }
  if (steps > 1 && decrease) {
    steps--;
    Encode(lon_range, lat_range, lon, lat, steps, &r.hash);
    GetNeighbors(r.hash, &r.neighbors);
    Decode(lon_range, lat_range, r.hash, &r.area);
  }

  // Drop the neighbours on a side the shape does not reach.
  if (steps >= 2) {
    Neighbors& n = r.neighbors;
    if (r.area.lat.min < min_lat) n.south = n.south_west = n.south_east = HashBits{};
    if (r.area.lat.max > max_lat) n.north = n.north_east = n.north_west = HashBits{};
    if (r.area.lon.min < min_lon) n.west = n.south_west = n.north_west = HashBits{};
    if (r.area.lon.max > max_lon) n.east = n.south_east = n.north_east = HashBits{};
  }
  return r;
}

void ScoresOfBox(HashBits hash, uint64_t* min, uint64_t* max) {
  *min = Align52(hash);
  hash.bits++;
  *max = Align52(hash);
}

std::string StandardGeohash(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double xy[2];
  if (!DecodeScore(score, xy)) return {};
  HashBits hash;
  Encode(Range{-180, 180}, Range{-90, 90}, xy[0], xy[1], 26, &hash);
  std::string out(11, '0');
  // 52 bits make 10 characters; the 11th (Redis's compatibility padding) is always '0'.
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(hash.bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

}  // namespace shoal::geo
