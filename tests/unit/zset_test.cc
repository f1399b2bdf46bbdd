// Placeholder: replaced by the zset unit tests.
#include <catch2/catch.hpp>
