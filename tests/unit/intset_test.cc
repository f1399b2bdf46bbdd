// Placeholder: replaced by the intset unit tests.
#include <catch2/catch.hpp>
