// x86emu unit tests — the 8259A pair (devices/pic8259.hpp) driven directly through its ports:
// the ICW sequence, fully nested priorities across the cascade, masks, every OCW2 command, OCW3
// status reads, poll and special mask mode, automatic EOI and rotation, special fully nested
// mode, ELCR and LTIM level triggering, and the spurious IR7 / IR15 vectors.
#include <doctest/doctest.h>

#include <stdexcept>
#include <vector>

#include "devices/pic8259.hpp"
#include "x86emu/io_ports.hpp"

using x86emu::devices::Pic8259Pair;

namespace {

struct Rig {
    std::vector<bool> intr_changes;
    Pic8259Pair pic{[this](bool level) { intr_changes.push_back(level); }};
    bool intr() const { return pic.state().intr; }

    // The PC BIOS's programming: master base 08h, slave base 70h on IR2, 8086 mode; `master_icw4`
    // / `slave_icw4` add AEOI (02h) or SFNM (10h).
    explicit Rig(std::uint8_t master_icw4 = 0x01, std::uint8_t slave_icw4 = 0x01, std::uint8_t icw1 = 0x11) {
        pic.write_port(0x20, icw1);
        pic.write_port(0x21, 0x08);
        pic.write_port(0x21, 0x04);
        pic.write_port(0x21, master_icw4);
        pic.write_port(0xA0, icw1);
        pic.write_port(0xA1, 0x70);
        pic.write_port(0xA1, 0x02);
        pic.write_port(0xA1, slave_icw4);
    }
    void pulse(unsigned irq) {
        pic.set_irq(irq, true);
        pic.set_irq(irq, false);
    }
    std::uint8_t isr(std::uint16_t port) {
        pic.write_port(port, 0x0B);
        return pic.read_port(port);
    }
    std::uint8_t irr(std::uint16_t port) {
        pic.write_port(port, 0x0A);
        return pic.read_port(port);
    }
};

}  // namespace

TEST_CASE("8259A: an edge on IRQ0 raises INTR, INTA gives base + 0 and sets ISR, EOI clears it") {
    Rig rig;
    CHECK_FALSE(rig.intr());
    rig.pic.set_irq(0, true);
    CHECK(rig.intr());
    CHECK(rig.irr(0x20) == 0x01);
    CHECK(rig.pic.acknowledge() == 0x08);
    CHECK_FALSE(rig.intr());
    CHECK(rig.isr(0x20) == 0x01);
    CHECK(rig.irr(0x20) == 0x00);
    // Still high: an edge-triggered input does not request again until it goes low and high.
    rig.pic.write_port(0x20, 0x20);
    CHECK(rig.isr(0x20) == 0x00);
    CHECK_FALSE(rig.intr());
    rig.pic.set_irq(0, false);
    rig.pic.set_irq(0, true);
    CHECK(rig.intr());
    CHECK(rig.intr_changes == std::vector<bool>{true, false, true});
}

TEST_CASE("8259A: fully nested priorities, in-service levels block lower ones, the slave sits at IR2") {
    Rig rig;
    rig.pic.set_irq(3, true);
    rig.pic.set_irq(1, true);
    CHECK(rig.pic.acknowledge() == 0x09);  // IRQ1 before IRQ3
    CHECK_FALSE(rig.intr());               // IRQ3 is lower than the in-service IRQ1
    rig.pic.set_irq(0, true);
    CHECK(rig.intr());                     // IRQ0 is higher: it nests
    CHECK(rig.pic.acknowledge() == 0x08);
    CHECK(rig.isr(0x20) == 0x03);
    rig.pic.write_port(0x20, 0x20);        // non-specific EOI: the highest in service, IRQ0
    CHECK(rig.isr(0x20) == 0x02);
    rig.pic.write_port(0x20, 0x20);
    CHECK(rig.intr());
    CHECK(rig.pic.acknowledge() == 0x0B);
    rig.pic.write_port(0x20, 0x20);

    // IRQ 8-15 rank between IRQ1 and IRQ3.
    rig.pic.set_irq(4, true);
    rig.pic.set_irq(9, true);
    CHECK(rig.pic.acknowledge() == 0x71);
    CHECK(rig.isr(0x20) == 0x04);
    CHECK(rig.isr(0xA0) == 0x02);
    CHECK_FALSE(rig.intr());  // IRQ4 waits for the cascade's EOI
    rig.pic.write_port(0xA0, 0x20);
    rig.pic.write_port(0x20, 0x20);
    CHECK(rig.pic.acknowledge() == 0x0C);
}

TEST_CASE("8259A: OCW1 masks requests at either chip and reads back") {
    Rig rig;
    rig.pic.write_port(0x21, 0xFB);  // all but the cascade masked
    rig.pic.write_port(0xA1, 0xFF);
    CHECK(rig.pic.read_port(0x21) == 0xFB);
    CHECK(rig.pic.read_port(0xA1) == 0xFF);
    rig.pic.set_irq(0, true);
    rig.pic.set_irq(12, true);
    CHECK_FALSE(rig.intr());
    CHECK(rig.irr(0x20) == 0x01);  // requested, just masked
    rig.pic.write_port(0xA1, 0xEF);
    CHECK(rig.intr());
    CHECK(rig.pic.acknowledge() == 0x74);
    rig.pic.write_port(0x21, 0xFA);
    rig.pic.write_port(0xA0, 0x64);  // specific EOI for slave IR4
    rig.pic.write_port(0x20, 0x62);  // specific EOI for master IR2
    CHECK(rig.isr(0x20) == 0);
    CHECK(rig.pic.acknowledge() == 0x08);
}

TEST_CASE("8259A: specific EOI, rotate on non-specific EOI, rotate on specific EOI, set priority") {
    Rig rig;
    rig.pic.write_port(0x21, 0x00);
    rig.pic.set_irq(1, true);
    rig.pic.set_irq(5, true);
    CHECK(rig.pic.acknowledge() == 0x09);
    rig.pic.write_port(0x20, 0x65);  // specific EOI for IR5: not in service, no change
    CHECK(rig.isr(0x20) == 0x02);
    rig.pic.write_port(0x20, 0xA0);  // rotate on non-specific EOI: IR1 cleared and made lowest
    CHECK(rig.isr(0x20) == 0x00);
    CHECK(rig.pic.state().chips[0].lowest_priority == 1);
    rig.pic.set_irq(1, false);
    rig.pic.set_irq(1, true);
    rig.pic.set_irq(0, true);
    // Order now 2, 3, 4, 5, 6, 7, 0, 1: IR5 (pending) first, then IR0, then IR1.
    CHECK(rig.pic.acknowledge() == 0x0D);
    rig.pic.write_port(0x20, 0xE5);  // rotate on specific EOI for IR5: IR5 lowest
    CHECK(rig.pic.state().chips[0].lowest_priority == 5);
    CHECK(rig.pic.acknowledge() == 0x08);  // 6, 7, 0: IR0
    rig.pic.write_port(0x20, 0x20);
    rig.pic.write_port(0x20, 0xC0);  // set priority: IR0 lowest, IR1 highest
    rig.pic.set_irq(0, false);
    rig.pic.set_irq(0, true);
    CHECK(rig.pic.acknowledge() == 0x09);
    rig.pic.write_port(0x20, 0x20);
    CHECK(rig.pic.acknowledge() == 0x08);
}

TEST_CASE("8259A: automatic EOI sets no ISR bit; rotate-in-AEOI makes the serviced level lowest") {
    Rig rig(0x03);
    rig.pic.set_irq(1, true);
    rig.pic.set_irq(3, true);
    CHECK(rig.pic.acknowledge() == 0x09);
    CHECK(rig.isr(0x20) == 0);
    CHECK(rig.intr());  // nothing in service, IRQ3 follows at once
    CHECK(rig.pic.acknowledge() == 0x0B);

    rig.pic.write_port(0x20, 0x80);  // rotate in automatic EOI mode (set)
    rig.pic.set_irq(1, false);
    rig.pic.set_irq(1, true);
    CHECK(rig.pic.acknowledge() == 0x09);
    CHECK(rig.pic.state().chips[0].lowest_priority == 1);
    rig.pic.set_irq(0, true);
    rig.pic.set_irq(3, false);
    rig.pic.set_irq(3, true);
    CHECK(rig.pic.acknowledge() == 0x0B);  // order 2..7, 0, 1: IR3 before IR0
    rig.pic.write_port(0x20, 0x00);  // rotate in AEOI mode (clear)
    CHECK(rig.pic.acknowledge() == 0x08);
    CHECK(rig.pic.state().chips[0].lowest_priority == 3);  // no rotation any more
    CHECK_FALSE(rig.pic.state().chips[0].rotate_on_auto_eoi);
}

TEST_CASE("8259A: OCW3 poll command reads the highest request as an acknowledge") {
    Rig rig;
    rig.pic.write_port(0x20, 0x0C);
    CHECK(rig.pic.read_port(0x20) == 0x00);  // nothing pending
    rig.pic.set_irq(6, true);
    rig.pic.set_irq(4, true);
    rig.pic.write_port(0x20, 0x0C);
    CHECK(rig.pic.read_port(0x20) == 0x84);
    CHECK(rig.isr(0x20) == 0x10);
    CHECK(rig.irr(0x20) == 0x40);
    CHECK(rig.pic.read_port(0x20) == 0x40);  // one poll per command: back to IRR reads
}

TEST_CASE("8259A: special mask mode lets lower levels in while the masked one is in service") {
    Rig rig;
    rig.pic.set_irq(3, true);
    CHECK(rig.pic.acknowledge() == 0x0B);
    rig.pic.set_irq(5, true);
    CHECK_FALSE(rig.intr());
    rig.pic.write_port(0x21, 0x08);  // mask IR3
    CHECK_FALSE(rig.intr());         // plain masking keeps the ISR's priority
    rig.pic.write_port(0x20, 0x68);  // set special mask mode
    CHECK(rig.intr());
    CHECK(rig.pic.acknowledge() == 0x0D);
    CHECK(rig.isr(0x20) == 0x28);
    rig.pic.write_port(0x20, 0x20);  // non-specific EOI skips the masked IR3
    CHECK(rig.isr(0x20) == 0x08);
    rig.pic.write_port(0x20, 0x48);  // reset special mask mode
    CHECK_FALSE(rig.pic.state().chips[0].special_mask);
}

TEST_CASE("8259A: a request that disappears before INTA gives the default IR7, on the slave IR15") {
    Rig rig;
    rig.pulse(5);
    CHECK_FALSE(rig.intr());
    CHECK(rig.pic.acknowledge() == 0x0F);
    CHECK(rig.isr(0x20) == 0x00);  // no ISR bit for the spurious IR7

    // On the slave the same race leaves the master resolving IR2 with nothing on the slave
    // (the state the INTA sequence sees, restored here): the master's ISR bit 2 is set and the
    // slave answers with its own IR7, IRQ15, without an ISR bit.
    rig.pulse(10);
    CHECK_FALSE(rig.intr());  // the cascade input followed the slave's INT down
    Pic8259Pair::State racing = rig.pic.state();
    racing.chips[0].irr |= 0x04;
    racing.intr = true;
    rig.pic.restore_state(racing);
    CHECK(rig.intr_changes.back());
    CHECK(rig.pic.acknowledge() == 0x77);
    CHECK(rig.isr(0x20) == 0x04);
    CHECK(rig.isr(0xA0) == 0x00);
    rig.pic.write_port(0x20, 0x20);
    CHECK_FALSE(rig.intr());
}

TEST_CASE("8259A: level-triggered inputs by ELCR and by ICW1.LTIM; the PIIX's forced-edge bits") {
    Rig rig;
    rig.pic.write_port(0x4D0, 0xFF);
    rig.pic.write_port(0x4D1, 0xFF);
    CHECK(rig.pic.read_port(0x4D0) == 0xF8);  // IRQ 0, 1, 2 always edge
    CHECK(rig.pic.read_port(0x4D1) == 0xDE);  // IRQ 8 and 13 always edge
    rig.pic.write_port(0x4D0, 0x00);
    rig.pic.write_port(0x4D1, 0x08);          // IRQ11 level
    rig.pic.set_irq(11, true);
    CHECK(rig.pic.acknowledge() == 0x73);
    rig.pic.write_port(0xA0, 0x20);
    rig.pic.write_port(0x20, 0x20);
    CHECK(rig.intr());  // still high: requests again
    CHECK(rig.pic.acknowledge() == 0x73);
    rig.pic.write_port(0xA0, 0x20);
    rig.pic.write_port(0x20, 0x20);
    rig.pic.set_irq(11, false);
    CHECK_FALSE(rig.intr());

    // The same input edge-triggered requests once.
    rig.pic.write_port(0x4D1, 0x00);
    rig.pic.set_irq(11, true);
    CHECK(rig.pic.acknowledge() == 0x73);
    rig.pic.write_port(0xA0, 0x20);
    rig.pic.write_port(0x20, 0x20);
    CHECK_FALSE(rig.intr());

    Rig ltim(0x01, 0x01, 0x19);  // ICW1 with LTIM: every input level-triggered
    ltim.pic.set_irq(4, true);
    CHECK(ltim.pic.acknowledge() == 0x0C);
    ltim.pic.write_port(0x20, 0x20);
    CHECK(ltim.intr());
}

TEST_CASE("8259A: special fully nested mode lets a higher slave request nest through the cascade") {
    for (const bool sfnm : {false, true}) {
        CAPTURE(sfnm);
        Rig rig(sfnm ? 0x11 : 0x01);
        rig.pic.set_irq(12, true);
        CHECK(rig.pic.acknowledge() == 0x74);
        rig.pic.set_irq(9, true);
        CHECK(rig.intr() == sfnm);
        if (sfnm) {
            CHECK(rig.pic.acknowledge() == 0x71);
            CHECK(rig.isr(0xA0) == 0x12);
        }
    }
}

TEST_CASE("8259A: ICW1 restarts initialisation: IMR, ISR cleared, IR7 lowest; reset; bad IRQs") {
    Rig rig;
    rig.pic.write_port(0x21, 0xA8);
    rig.pic.set_irq(1, true);
    CHECK(rig.pic.acknowledge() == 0x09);
    rig.pic.write_port(0x20, 0xC3);  // IR3 lowest
    rig.pic.write_port(0x20, 0x11);
    CHECK(rig.pic.read_port(0x21) == 0x00);
    CHECK(rig.pic.state().chips[0].isr == 0);
    CHECK(rig.pic.state().chips[0].lowest_priority == 7);
    CHECK(rig.pic.state().chips[0].init_step == 2);
    rig.pic.write_port(0x21, 0x20);  // ICW2: base 20h
    rig.pic.write_port(0x21, 0x04);  // ICW3
    rig.pic.write_port(0x21, 0x01);  // ICW4
    CHECK(rig.pic.state().chips[0].init_step == 0);
    rig.pic.set_irq(1, false);
    rig.pic.set_irq(1, true);
    CHECK(rig.pic.acknowledge() == 0x21);

    // A single 8259A without ICW4: ICW2 ends the sequence.
    Pic8259Pair single{{}};
    single.write_port(0x20, 0x12);
    single.write_port(0x21, 0x40);
    single.write_port(0x21, 0x7F);  // OCW1 now
    CHECK(single.read_port(0x21) == 0x7F);
    single.set_irq(7, true);
    CHECK(single.acknowledge() == 0x47);

    CHECK_THROWS_AS(rig.pic.set_irq(2, true), std::invalid_argument);
    CHECK_THROWS_AS(rig.pic.set_irq(16, true), std::invalid_argument);
    rig.pic.reset();
    CHECK(rig.pic.state().chips[0].vector_base == 0);
    CHECK(rig.pic.read_port(0x22) == 0xFF);
}

TEST_CASE("8259A: attach claims 20h-21h, A0h-A1h and 4D0h-4D1h on an IoPortMap") {
    x86emu::IoPortMap ports;
    Pic8259Pair pic{{}};
    pic.attach(ports);
    ports.write(0x20, 1, 0x11);
    ports.write(0x21, 1, 0x08);
    ports.write(0x21, 1, 0x04);
    ports.write(0x21, 1, 0x01);
    ports.write(0x21, 1, 0x5A);
    CHECK(ports.read(0x21, 1) == 0x5A);
    ports.write(0x4D0, 2, 0x0C20);  // a word write splits: 4D0h = 20h, 4D1h = 0Ch
    CHECK(ports.read(0x4D0, 2) == 0x0C20);
    CHECK_THROWS_AS(pic.attach(ports), std::invalid_argument);
}

TEST_CASE("8259A: random port traffic and IRQ levels never break the invariants") {
    // INTR as given to the CPU always matches the state, acknowledge() always answers, vectors
    // come from one of the two bases, and nothing throws for any byte at any of the ports.
    std::uint64_t seed = 777;
    auto next = [&seed] {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<std::uint32_t>(seed >> 33);
    };
    bool intr_seen = false;
    Pic8259Pair pic{[&intr_seen](bool level) { intr_seen = level; }};
    const std::uint16_t ports[] = {0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1};
    for (int i = 0; i < 50'000; ++i) {
        switch (next() % 4) {
        case 0: pic.write_port(ports[next() % 6], static_cast<std::uint8_t>(next())); break;
        case 1: static_cast<void>(pic.read_port(ports[next() % 6])); break;
        case 2: {
            unsigned irq = next() % 15;
            if (irq >= 2) ++irq;  // 0, 1, 3-15
            pic.set_irq(irq, next() % 2);
            break;
        }
        default:
            if (pic.state().intr) {
                const std::uint8_t vector = pic.acknowledge();
                const std::uint8_t master = pic.state().chips[0].vector_base, slave = pic.state().chips[1].vector_base;
                REQUIRE(((vector & 0xF8) == master || (vector & 0xF8) == slave));
            }
            break;
        }
        REQUIRE(intr_seen == pic.state().intr);
    }
}
