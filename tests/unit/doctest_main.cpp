// x86emu unit tests — the doctest entry point; the test cases live in the other tests/unit files.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
