// Placeholder: replaced by the str_map unit tests.
#include <catch2/catch.hpp>
