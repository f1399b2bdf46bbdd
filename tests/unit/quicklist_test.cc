// Placeholder: replaced by the quicklist unit tests.
#include <catch2/catch.hpp>
