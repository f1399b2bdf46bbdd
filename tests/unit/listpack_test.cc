// Placeholder: replaced by the listpack unit tests.
#include <catch2/catch.hpp>
