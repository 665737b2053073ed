"""What Linux reports about each PC device: the commands the linux_debian_kernel boot types into
the guest's shell (SECTIONS, run by check_debian_kernel.py, which writes their output to a
transcript) and, per device, the lines that output must hold (DEVICES, checked by
check_linux_devices.py, one CTest test per device that requires the boot as a fixture).

A section is one shell command line; its output is framed by `@@@ NAME begin` / `@@@ NAME end`
lines printed by printf, so the echo of the typed line (which shows the printf format, not the
framed text) is never taken for the output. Adding a device (the ATA disks, say): add the
commands it needs to SECTIONS (before "interrupts_after", which must stay last) and a check
function to DEVICES; CMake registers linux_device_<name> from `check_linux_devices.py list`.
Standard library only.
"""
import re

# (name, command). Order matters: "interrupts_before" first and "interrupts_after" (after a
# second of guest time) last, so the counts between them show which interrupts kept coming.
SECTIONS = [
    ("interrupts_before", "cat /proc/interrupts"),
    ("uname", "uname -a"),
    ("cpuinfo", "cat /proc/cpuinfo"),
    ("ls_root", "ls /"),
    ("dmesg", "dmesg"),
    ("ioports", "cat /proc/ioports"),
    ("iomem", "cat /proc/iomem"),
    ("pci", "for d in /sys/bus/pci/devices/*; do echo ${d##*/} $(cat $d/vendor $d/device $d/class); done"),
    ("rtc", "cat /proc/driver/rtc; cat /sys/class/rtc/rtc0/name"),
    ("ttyS0", "for f in type port irq uartclk xmit_fifo_size; do echo $f $(cat /sys/class/tty/ttyS0/$f); done"),
    ("clocksource", "cd /sys/devices/system/clocksource/clocksource0;"
                    " for f in available_clocksource current_clocksource; do echo $f: $(cat $f); done; cd /"),
    ("acpi", "ls /sys/firmware/acpi/tables; cat /sys/power/state"),
    # The RTC's alarm interrupt: rtc_cmos programs the alarm registers and AIE for a second
    # from now; once it has fired the wakealarm attribute reads empty again.
    ("rtc_alarm", "echo +1 > /sys/class/rtc/rtc0/wakealarm; sleep 2; echo wakealarm=$(cat /sys/class/rtc/rtc0/wakealarm)"),
    # The IDE disks (docs/devices/ata.md): check_debian_kernel.py attaches a DISK_SECTORS-sector
    # -hda image whose sector i begins "SECTOR%08d" and a -cdrom image whose block i begins
    # "CDBLOCK%07d". sd and sr probe asynchronously after insmod, so wait for the nodes first;
    # then read a sector and a block, and write sector DISK_WRITE_SECTOR (the runner checks the
    # image file after poweroff).
    ("disks", "for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/sda ] && [ -b /dev/sr0 ] && break; sleep 1; done;"
              " dd if=/dev/sda bs=512 skip=3 count=1 2>/dev/null | head -c 14; echo;"
              " echo x86emu-disk-write | dd of=/dev/sda bs=512 seek=5 count=1 conv=sync,fsync 2>/dev/null;"
              " dd if=/dev/sr0 bs=2048 skip=2 count=1 2>/dev/null | head -c 14; echo;"
              " cat /sys/block/sda/size; cat /sys/block/sda/device/model"),
    ("interrupts_after", "sleep 1; cat /proc/interrupts"),
]

DISK_SECTORS = 8192         # the -hda image: 4 MiB
DISK_WRITE_SECTOR = 5       # the sector the "disks" section writes
CDROM_BLOCKS = 512          # the -cdrom image: 1 MiB


def make_disk_images(disk_path, cdrom_path):
    """The images the "disks" section reads: every sector and block names its own number."""
    with open(disk_path, "wb") as file:
        file.write(b"".join((b"SECTOR%08d" % i).ljust(512, b".") for i in range(DISK_SECTORS)))
    with open(cdrom_path, "wb") as file:
        file.write(b"".join((b"CDBLOCK%07d" % i).ljust(2048, b"-") for i in range(CDROM_BLOCKS)))

MARKER = re.compile(r"(?m)^@@@ (\S+) (begin|end)\r?$")


def section_command(name, command):
    return f"printf '@@@ %s begin\\n' {name}; {command}; printf '@@@ %s end\\n' {name}"


def end_pattern(name):
    return rb"(?m)^@@@ " + re.escape(name).encode() + rb" end\r?$"


def parse_transcript(text):
    """{name: output} from a transcript (the framed sections of the serial console)."""
    sections, current, start = {}, None, 0
    for match in MARKER.finditer(text):
        name, what = match.group(1), match.group(2)
        if what == "begin":
            current, start = name, match.end()
        elif current == name:
            sections[name] = text[start:match.start()].replace("\r", "").strip("\n")
            current = None
    return sections


class Checker:
    """Collects the failed expectations of one device; prints each result."""

    def __init__(self, sections):
        self.sections = sections
        self.failures = []

    def text(self, name):
        if name not in self.sections:
            self.failures.append(f"section {name!r} is missing from the transcript")
            return ""
        return self.sections[name]

    def expect(self, condition, what):
        print(("ok: " if condition else "FAILED: ") + what)
        if not condition:
            self.failures.append(what)

    def has(self, section, pattern, what):
        """`pattern` (a regex, multiline) occurs in that section's output."""
        self.expect(re.search(pattern, self.text(section), re.M) is not None, f"{section}: {what} (/{pattern}/)")

    def lacks(self, section, pattern, what):
        self.expect(re.search(pattern, self.text(section), re.M) is None, f"{section}: {what} (no /{pattern}/)")


def interrupt_counts(text):
    """{irq: (count, description)} from /proc/interrupts (one CPU column)."""
    counts = {}
    for line in text.splitlines():
        match = re.match(r"\s*(\d+):\s+(\d+)\s+(.*)$", line)
        if match:
            counts[int(match.group(1))] = (int(match.group(2)), match.group(3).strip())
    return counts


def check_interrupt(c, irq, name, increasing):
    """IRQ `irq` is listed on the XT-PIC with `name`; with `increasing` True its count grew
    between the two /proc/interrupts, False it is above 0, None it is only listed."""
    before = interrupt_counts(c.text("interrupts_before"))
    after = interrupt_counts(c.text("interrupts_after"))
    listed = irq in after and re.search(rf"XT-PIC\s.*\b{name}\b", after[irq][1]) is not None
    c.expect(listed, f"/proc/interrupts lists IRQ {irq} on the XT-PIC as {name}: {after.get(irq)}")
    if not listed or irq not in before or increasing is None:
        return
    if increasing:
        c.expect(after[irq][0] > before[irq][0],
                 f"IRQ {irq} ({name}) kept coming: {before[irq][0]} -> {after[irq][0]}")
    else:
        c.expect(after[irq][0] > 0, f"IRQ {irq} ({name}) was taken: {after[irq][0]} times")


def check_pic(c):
    c.has("dmesg", r"ACPI: Using PIC for interrupt routing", "interrupt routing through the 8259A pair")
    c.has("ioports", r"^\s*0020-0021 : pic1$", "the master 8259A at 20h-21h")
    c.has("ioports", r"^\s*00a0-00a1 : pic2$", "the slave 8259A at A0h-A1h")
    c.has("interrupts_after", r"^\s*2:\s+0\s+XT-PIC\s+cascade", "IRQ 2 is the cascade")
    c.lacks("dmesg", r"spurious 8259A interrupt", "no spurious 8259A interrupts")


def check_pit(c):
    c.has("dmesg", r"tsc: Fast TSC calibration using PIT", "the TSC calibrated against the 8254's counter 2")
    c.has("dmesg", r"clocksource: pit: mask: 0xffffffff", "the 8254 registered as the 'pit' clocksource")
    c.has("ioports", r"^\s*0040-0043 : timer0$", "the 8254 at 40h-43h")
    check_interrupt(c, 0, "timer", increasing=True)


def check_rtc(c):
    c.has("dmesg", r"rtc_cmos rtc_cmos: registered as rtc0", "rtc_cmos registered as rtc0")
    c.has("dmesg", r"rtc_cmos rtc_cmos: alarms up to one day, 114 bytes nvram",
          "the MC146818's alarm and its 114 bytes of NVRAM")
    c.has("dmesg", r"rtc_cmos rtc_cmos: setting system clock to 2024-01-01T00:0\d:\d\d UTC",
          "the system clock set from the RTC (start 2024-01-01 00:00 UTC)")
    c.has("rtc", r"^rtc_date\s*: 2024-01-01$", "/proc/driver/rtc's date")
    c.has("rtc", r"^24hr\s*: yes$", "24-hour mode")
    c.has("rtc", r"^rtc_cmos rtc_cmos$", "rtc0 is rtc_cmos")
    c.has("ioports", r"^\s*0070-0071 : rtc0$", "the RTC at 70h-71h")
    c.has("rtc_alarm", r"^wakealarm=$", "the alarm set a second ahead has fired (wakealarm cleared)")
    check_interrupt(c, 8, "rtc0", increasing=True)


def check_kbc(c):
    c.has("dmesg", r"serio: i8042 KBD port at 0x60,0x64 irq 1", "the 8042's keyboard port")
    c.has("dmesg", r"serio: i8042 AUX port at 0x60,0x64 irq 12", "the 8042's mouse port")
    c.has("dmesg", r"input: AT Translated Set 2 keyboard as /devices/platform/i8042/serio0/input/input\d",
          "the PS/2 keyboard answered the probe")
    c.has("ioports", r"^\s*0060-0060 : keyboard$", "the 8042 at 60h")
    c.has("ioports", r"^\s*0064-0064 : keyboard$", "the 8042 at 64h")
    check_interrupt(c, 1, "i8042", increasing=False)
    check_interrupt(c, 12, "i8042", increasing=False)


def check_uart(c):
    c.has("dmesg", r"Serial: 8250/16550 driver, 4 ports, IRQ sharing enabled", "the 8250 driver")
    c.has("dmesg", r"ttyS0 at I/O 0x3f8 \(irq = 4, base_baud = 115200\) is a 16550A", "COM1 found as a 16550A")
    c.has("dmesg", r"ttyS1 at I/O 0x2f8 \(irq = 3, base_baud = 115200\) is a 16550A", "COM2 found as a 16550A")
    c.has("dmesg", r"printk: console \[ttyS0\] enabled", "the kernel console on ttyS0")
    c.has("ttyS0", r"^type 4$", "sysfs type 4 (PORT_16550A)")
    c.has("ttyS0", r"^port 0x3F8$", "sysfs port 0x3F8")
    c.has("ttyS0", r"^irq 4$", "sysfs irq 4")
    c.has("ttyS0", r"^uartclk 1843200$", "the 1.8432 MHz clock")
    c.has("ttyS0", r"^xmit_fifo_size 16$", "the 16-byte FIFO")
    c.has("ioports", r"^\s*03f8-03ff : serial$", "COM1 at 3F8h")
    check_interrupt(c, 4, "ttyS0", increasing=True)


def check_vga(c):
    c.has("dmesg", r"Console: colour VGA\+ 80x25", "the VGA text console (vgacon)")
    c.has("dmesg", r"pci 0000:00:02\.0: \[1234:1111\] type 00 class 0x030000", "the VGA on PCI")
    c.has("dmesg", r"pci 0000:00:02\.0: BAR 0 \[mem 0xe0000000-0xe0ffffff pref\]", "its LFB BAR at E0000000h")
    c.has("dmesg", r"pci 0000:00:02\.0: vgaarb: setting as boot VGA device", "the boot VGA device")
    c.has("iomem", r"^\s*e0000000-e0ffffff : 0000:00:02\.0$", "the LFB in /proc/iomem")
    c.has("ioports", r"^\s*03c0-03df : vga\+$", "the VGA registers in /proc/ioports")


def check_pci(c):
    c.has("dmesg", r"PCI host bridge to bus 0000:00", "the host bridge")
    c.has("pci", r"^0000:00:00\.0 0x8086 0x1237 0x060000$", "00:00.0 is the 440FX host bridge")
    c.has("pci", r"^0000:00:01\.0 0x8086 0x7000 0x060100$", "00:01.0 is the PIIX3 ISA bridge")
    c.has("pci", r"^0000:00:02\.0 0x1234 0x1111 0x030000$", "00:02.0 is the VGA")
    c.has("dmesg", r"pci 0000:00:01\.0: PIIX3: Enabling Passive Release", "the PIIX3 quirk ran")
    c.has("ioports", r"^\s*0cf8-0cff : PCI conf1$", "configuration mechanism #1")


def check_acpi(c):
    c.has("dmesg", r"ACPI: RSDP 0x00000000000E0000", "the RSDP at E0000h")
    c.has("dmesg", r"ACPI: FACP 0x", "the FADT")
    c.has("dmesg", r"ACPI: DSDT 0x", "the DSDT")
    c.has("dmesg", r"ACPI: PM: \(supports S0 S5\)", "sleep states S0 and S5")
    c.has("dmesg", r"clocksource: acpi_pm: mask: 0xffffff", "the PM timer as a clocksource")
    c.lacks("dmesg", r"PM-Timer running at invalid rate", "the PM timer's rate was accepted")
    c.has("ioports", r"^\s*0608-060b : ACPI PM_TMR$", "the PM timer at 608h")
    c.has("ioports", r"^\s*0600-0603 : ACPI PM1a_EVT_BLK$", "PM1a_EVT at 600h")
    c.has("ioports", r"^\s*0604-0605 : ACPI PM1a_CNT_BLK$", "PM1a_CNT at 604h")
    c.has("acpi", r"\bDSDT\b", "/sys/firmware/acpi/tables has the DSDT")
    check_interrupt(c, 9, "acpi", increasing=None)  # the SCI: no ACPI event happens in the run


def check_clocksource(c):
    # The TSC is the CPU's cycle counter at the configured 200 MHz; Linux measures it against
    # the 8254 and must find that rate.
    match = re.search(r"tsc: Detected (\d+\.\d+) MHz processor", c.text("dmesg"))
    c.expect(match is not None and abs(float(match.group(1)) - 200.0) < 0.2,
             f"the TSC measured at 200 MHz against the PIT: {match.group(0) if match else 'no tsc: Detected line'}")
    c.has("clocksource", r"^current_clocksource: acpi_pm$", "timekeeping on the ACPI PM timer")
    # The TSC is not among them: the clocksource watchdog marks it unstable against the 'pit'
    # clocksource early in the boot, because the PIT's jiffies fall behind while the serial
    # console prints with interrupts off (docs/LINUX_BOOT.md, "The TSC and the clocksource
    # watchdog"); acpi_pm then takes over.
    c.has("clocksource", r"^available_clocksource: .*\bacpi_pm\b", "acpi_pm available")


def check_ata(c):
    c.has("dmesg", r"ata_piix 0000:00:01\.1", "ata_piix bound the PIIX3 IDE function")
    c.has("dmesg", r"ata1\.00: ATA-6: X86EMU HARDDISK", "the disk identified on ata1")
    c.has("dmesg", rf"sd 0:0:0:0: \[sda\] {DISK_SECTORS} 512-byte logical blocks", "sda with the image's size")
    c.has("dmesg", r"sr 1:0:0:0: \[sr0\]", "the CD-ROM as sr0")
    c.has("disks", r"^SECTOR00000003", "dd read sector 3 of /dev/sda")
    c.has("disks", r"^CDBLOCK0000002", "dd read block 2 of /dev/sr0")
    c.has("disks", rf"^{DISK_SECTORS}$", "/sys/block/sda/size")
    c.has("ioports", r"^\s*01f0-01f7 : ata_piix$", "the primary channel at 1F0h")
    check_interrupt(c, 14, "ata_piix", increasing=None)


# One CTest test per entry (linux_device_<name>).
DEVICES = {
    "ata": check_ata,
    "pic8259": check_pic,
    "pit8254": check_pit,
    "rtc146818": check_rtc,
    "kbc8042": check_kbc,
    "uart16550": check_uart,
    "vga": check_vga,
    "pci": check_pci,
    "acpi": check_acpi,
    "clocksource": check_clocksource,
}
