// tests/unit_main.cc -- The Catch2 main of the unit_tests binary; the tests live beside the code.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
