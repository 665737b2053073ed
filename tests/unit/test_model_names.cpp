// x86emu unit tests — CPU model names as command lines spell them (parse_cpu_model, cpu_model_name).
#include <doctest/doctest.h>

#include "x86emu/model.hpp"

using x86emu::CpuModel;

TEST_CASE("parse_cpu_model accepts the command-line model names") {
    CHECK(x86emu::parse_cpu_model("8086") == CpuModel::i8086);
    CHECK(x86emu::parse_cpu_model("286") == CpuModel::i80286);
    CHECK(x86emu::parse_cpu_model("386") == CpuModel::i80386);
    CHECK(x86emu::parse_cpu_model("486") == CpuModel::i80486);
    CHECK(x86emu::parse_cpu_model("80486") == CpuModel::i80486);
    CHECK(x86emu::parse_cpu_model("p5") == CpuModel::p5);
    CHECK(x86emu::parse_cpu_model("pentium") == CpuModel::p5);
    CHECK(x86emu::parse_cpu_model("586") == CpuModel::p5);
    CHECK(x86emu::parse_cpu_model("p6") == CpuModel::p6);
    CHECK(x86emu::parse_cpu_model("pentiumpro") == CpuModel::p6);
    CHECK(x86emu::parse_cpu_model("686") == CpuModel::p6);
}

TEST_CASE("cpu_model_name and parse_cpu_model round-trip") {
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386, CpuModel::i80486, CpuModel::p5, CpuModel::p6})
        CHECK(x86emu::parse_cpu_model(x86emu::cpu_model_name(model)) == model);
}

TEST_CASE("parse_cpu_model rejects unknown names instead of guessing") {
    CHECK_FALSE(x86emu::parse_cpu_model("bogus").has_value());
    CHECK_FALSE(x86emu::parse_cpu_model("").has_value());
}

TEST_CASE("cpu_model_name gives every model a printable name") {
    for (CpuModel model : {CpuModel::i8086, CpuModel::i80286, CpuModel::i80386, CpuModel::i80486, CpuModel::p5, CpuModel::p6}) {
        CAPTURE(static_cast<int>(model));
        CHECK_FALSE(x86emu::cpu_model_name(model).empty());
    }
}
