#![no_std]
// Data smuggled into the `xdp` section through a dependency's macro.
rax::license!("GPL");
evilmacro::fake_program!(FAKE = [0x0f, 0x0b, 0x0f, 0x0b]);
